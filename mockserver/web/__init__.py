"""HTTP in and out: one pipeline for HyperTrack's data plane, the Flask app for the mock's own control plane.

``app.create_app`` builds both; the server hands every request to ``pipeline.Pipeline``.
"""
