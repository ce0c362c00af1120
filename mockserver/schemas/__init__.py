"""marshmallow schemas of HyperTrack's bodies and of the mock's own: they parse, validate and document.

``track`` is the body of ``POST /orders/track``, ``lifecycle`` the queries and bodies of the endpoints
around it, ``oauth`` the token form, ``responses`` the answers as documented, ``control`` and
``scenario`` the mock's own documents, ``fields`` the strict fields and the lean schema they share.
"""
