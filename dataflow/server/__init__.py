"""``dataflow serve``: the IdentitySync-compatible IDX REST API and the web console over the state store."""
