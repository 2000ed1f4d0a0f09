"""Campaign Monitor (API v3.3): subscribers in through imports, out through a list's subscribers by state.

``COMPONENTS`` maps each type to ``module:Class``; classes load only when a flow uses them.
"""

COMPONENTS = {
    "datasource.write.campaignmonitor": "steps.campaignmonitor.write:WriteCampaignMonitor",
    "datasource.read.campaignmonitor": "steps.campaignmonitor.read:ReadCampaignMonitor",
}
