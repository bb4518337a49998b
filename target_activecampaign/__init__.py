"""Singer target for ActiveCampaign API v3 (see target_activecampaign.target)."""
