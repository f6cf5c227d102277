"""Ethereum anchoring: which chain, the anchoring account, the contract, and the anchorer.

* :mod:`.endpoints`: ``embedded`` (in-process eth-tester + py-evm, ephemeral), ``hardhat`` (the
  local node from ``hardhat_local/``) or any JSON-RPC URL; RPC calls retried with backoff.
* :mod:`.wallet`: the anchoring account in an encrypted eth-account keystore.
* :mod:`.contract`: the shipped ``ProvenanceAnchor`` artifact, deployment, reads, and
  :func:`~.contract.verify_anchor`.
* :mod:`.transactions`: EIP-1559 fees under a cap, locally signed transactions.
* :mod:`.anchorer`: the crash-safe anchorer (a transaction is recorded before it is sent).
* :mod:`.hardhat`: start and stop the local Hardhat node.
"""
