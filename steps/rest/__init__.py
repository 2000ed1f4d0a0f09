"""What the partner connectors share (Mailchimp, Marketo, Campaign Monitor, Constant Contact, Salesforce, Marketing
Cloud, BlueKai): one HTTP client with the engine's retry policy and token renewal, the step mixin that builds it,
and a buffered writer that hands a partner's bulk API whole jobs of records. Not a component family itself.
"""
