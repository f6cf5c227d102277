// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

/// @title ProvenanceAnchor
/// @author provenance-ledger
/// @notice Public, append-only record of the provenance ledger's transparency-log Merkle roots.
///         Each anchor binds an RFC 9162 tree size to the root hash of the log at that size, so
///         anyone holding a signed checkpoint can check it against the chain.
/// @dev Storage is laid out for a constant, minimal cost per `anchor` call:
///      slot 0 packs `_owner` (20 bytes) and `_latestTreeSize` (8 bytes), so the authorisation
///      check and the monotonicity check share one cold SLOAD, and the size update is always a
///      nonzero-to-nonzero SSTORE (the owner half of the slot is never zero), even on the very
///      first anchor. The only other write is the new root's own slot. The deployer is the owner
///      for the life of the contract and is implicitly an authorised anchoring account.
contract ProvenanceAnchor {
    /// @dev Deployer; never zero. Shares storage slot 0 with `_latestTreeSize`.
    address private _owner;
    /// @dev Largest tree size anchored so far (0 before the first anchor). Packed with `_owner`.
    uint64 private _latestTreeSize;
    /// @dev Extra anchoring accounts the owner has authorised (the owner is not listed here).
    mapping(address account => bool authorised) private _anchorers;
    /// @dev Anchored roots by tree size; zero where nothing was anchored.
    mapping(uint64 treeSize => bytes32 root) private _roots;

    /// @notice A Merkle root was anchored for a tree size.
    /// @param treeSize The number of leaves in the log when `root` was computed.
    /// @param root The RFC 9162 Merkle tree hash of the log's first `treeSize` leaves.
    /// @param by The account that sent the anchoring transaction.
    event Anchored(uint64 indexed treeSize, bytes32 root, address indexed by);

    /// @notice The owner authorised `account` to anchor roots.
    /// @param account The newly authorised anchoring account.
    event AnchorerAdded(address indexed account);

    /// @notice The owner withdrew `account`'s authorisation to anchor roots.
    /// @param account The account that may no longer anchor roots.
    event AnchorerRemoved(address indexed account);

    /// @notice The caller is not the owner, and the function is restricted to the owner.
    /// @param caller The account that made the call.
    error NotOwner(address caller);

    /// @notice The caller is neither the owner nor an authorised anchoring account.
    /// @param caller The account that made the call.
    error NotAnchorer(address caller);

    /// @notice The tree size to anchor is not larger than the latest anchored tree size.
    /// @param treeSize The tree size the caller tried to anchor.
    /// @param latestTreeSize The largest tree size anchored so far.
    error TreeSizeNotIncreasing(uint64 treeSize, uint64 latestTreeSize);

    /// @notice The root to anchor is zero, which `rootAt` reserves for "never anchored".
    error ZeroRoot();

    /// @notice The zero address was given where an account is required.
    error ZeroAddress();

    /// @notice Makes the deploying account the owner (and so an authorised anchoring account).
    constructor() {
        _owner = msg.sender;
    }

    /// @notice Anchors `root` as the log's Merkle root at `treeSize`.
    /// @dev Only the owner or an authorised anchoring account may call this. Tree sizes must
    ///      strictly increase from one anchor to the next, so a stored root is never replaced.
    ///      Cost is independent of `treeSize` apart from calldata bytes.
    /// @param treeSize The number of leaves covered by `root`; larger than `latestTreeSize()`.
    /// @param root The RFC 9162 Merkle tree hash at `treeSize`; must not be zero.
    function anchor(uint64 treeSize, bytes32 root) external {
        // Both fields live in slot 0: one SLOAD.
        address owner_ = _owner;
        uint64 latest = _latestTreeSize;
        if (msg.sender != owner_) {
            if (!_anchorers[msg.sender]) revert NotAnchorer(msg.sender);
        }
        if (treeSize <= latest) revert TreeSizeNotIncreasing(treeSize, latest);
        if (root == bytes32(0)) revert ZeroRoot();
        // `_latestTreeSize = treeSize` would re-read slot 0 to merge in the owner half; write
        // the whole slot from the values already on the stack instead (saves a warm SLOAD and
        // the masking). _owner is the slot's low 20 bytes, _latestTreeSize starts at byte
        // _latestTreeSize.offset (20); the slot-0 storage test pins this layout.
        assembly ("memory-safe") {
            sstore(_owner.slot, or(owner_, shl(mul(8, _latestTreeSize.offset), treeSize)))
        }
        _roots[treeSize] = root;
        emit Anchored(treeSize, root, msg.sender);
    }

    /// @notice The Merkle root anchored at `treeSize`.
    /// @param treeSize The tree size to look up.
    /// @return The anchored root, or zero if no root was ever anchored at exactly `treeSize`.
    function rootAt(uint64 treeSize) external view returns (bytes32) {
        return _roots[treeSize];
    }

    /// @notice The largest tree size anchored so far.
    /// @return The latest anchored tree size, or 0 if nothing has been anchored yet.
    function latestTreeSize() external view returns (uint64) {
        return _latestTreeSize;
    }

    /// @notice Authorises `account` to anchor roots. Owner only.
    /// @dev Emits `AnchorerAdded` only when the authorisation is new.
    /// @param account The account to authorise; must not be the zero address.
    function addAnchorer(address account) external {
        _onlyOwner();
        if (account == address(0)) revert ZeroAddress();
        if (!_anchorers[account]) {
            _anchorers[account] = true;
            emit AnchorerAdded(account);
        }
    }

    /// @notice Withdraws `account`'s authorisation to anchor roots. Owner only.
    /// @dev Emits `AnchorerRemoved` only when `account` was authorised. The owner's own
    ///      authorisation is implicit and cannot be removed.
    /// @param account The account to deauthorise; must not be the zero address.
    function removeAnchorer(address account) external {
        _onlyOwner();
        if (account == address(0)) revert ZeroAddress();
        if (_anchorers[account]) {
            _anchorers[account] = false;
            emit AnchorerRemoved(account);
        }
    }

    /// @notice Whether `account` may call `anchor`.
    /// @param account The account to check.
    /// @return True for the owner and for every account the owner has authorised.
    function isAnchorer(address account) external view returns (bool) {
        return account == _owner || _anchorers[account];
    }

    /// @notice The owner: the deploying account, which manages the anchoring accounts.
    /// @return The owner's address.
    function owner() external view returns (address) {
        return _owner;
    }

    /// @dev Reverts with `NotOwner` unless the caller is the owner.
    function _onlyOwner() private view {
        if (msg.sender != _owner) revert NotOwner(msg.sender);
    }
}
