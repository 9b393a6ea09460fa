"""The national content — guided flows, the portal's links and whitelist, the catalogue's reference
files — as one signed bundle (docs/SYNC_PROTOCOL.md "Contenu national signé").

What the flows say, agents repeat to citizens: the content changes with the law, between releases,
so the national editor publishes it through the reporting servers. A server is not trusted with
it: only a bundle signed by the editor's Ed25519 key, whose public key ships with the workstation,
is ever used. No Qt here: the server signs and serves, the workstation verifies and uses.
"""
