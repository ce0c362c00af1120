"""The mock's OpenAPI document: what apispec cannot infer from our custom marshmallow fields."""
from __future__ import annotations

from apispec import BasePlugin
from apispec.ext.marshmallow import MarshmallowPlugin


class CustomFieldsPlugin(BasePlugin):
    """Lets a field describe itself: a field with ``openapi(resolve)`` returns its own schema property.

    ``resolve`` turns a marshmallow schema into a ``$ref`` to its component (registering it).
    """

    def init_spec(self, spec):
        plugin = next(p for p in spec.plugins if isinstance(p, MarshmallowPlugin))
        converter = plugin.converter

        def custom_field(self, field, ret=None, **kwargs):
            describe = getattr(field, "openapi", None)
            return describe(converter.resolve_nested_schema) if describe else {}

        converter.add_attribute_function(custom_field)
