"""Tools that hold the mock to HyperTrack's published contract: the reference spec, drift, fuzzing."""
