"""Launch the singer-io tap-activecampaign 1.3.1 with one check lifted: its https-only URL test.

That tap refuses any api_url that is not https on a public address (`is_api_url_valid`), and the
sandbox serves plain http on 127.0.0.1. Nothing else is changed: its paging, rate limit (5 req/s,
client side), retries and transforms run as published. Runs under the peer's own virtualenv.
"""

import sys

import tap_activecampaign.client as peer_client

peer_client.is_api_url_valid = lambda api_url: True  # the single patch, reported in RESULTS.md

from tap_activecampaign import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())
