"""Singer tap for the ActiveCampaign API v3."""
