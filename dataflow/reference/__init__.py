"""What the project publishes about its components, generated from the registry and the params schemas: the
component reference (docs/components.md) and the dataflow JSON Schema for editors."""
