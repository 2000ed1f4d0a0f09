"""Silverpop (IBM Watson Campaign Automation / Acoustic Campaign): the XML API + SFTP client and its components.

``COMPONENTS`` maps each type to ``module:Class``; classes load only when a flow uses them.
"""

COMPONENTS = {
    "datasource.write.silverpop": "steps.silverpop.write_list:WriteSilverpop",
    "datasource.write.silverpop.table": "steps.silverpop.write_table:WriteSilverpopTable",
    "datasource.write.silverpop.remove": "steps.silverpop.write_remove:RemoveSilverpopContacts",
    "datasource.read.silverpop": "steps.silverpop.read:ReadSilverpop",
}
