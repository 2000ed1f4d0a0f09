"""Mailchimp (Marketing API 3.0): audience members in through batch operations, out through the members list.

``COMPONENTS`` maps each type to ``module:Class``; classes load only when a flow uses them.
"""

COMPONENTS = {
    "datasource.write.mailchimp": "steps.mailchimp.write:WriteMailchimp",
    "datasource.read.mailchimp": "steps.mailchimp.read:ReadMailchimp",
}
