//! BOLT #7 wire helpers. (Stub: to be implemented.)
/// Bitcoin mainnet genesis block hash in the byte order gossip messages carry it.
pub const MAINNET_CHAIN_HASH: [u8; 32] = [
    0x6f, 0xe2, 0x8c, 0x0a, 0xb6, 0xf1, 0xb3, 0x72, 0xc1, 0xa6, 0xa2, 0x46, 0xae, 0x63, 0xf7, 0x4f,
    0x93, 0x1e, 0x83, 0x65, 0xe1, 0x5a, 0x08, 0x9c, 0x68, 0xd6, 0x19, 0x00, 0x00, 0x00, 0x00, 0x00,
];

/// The chain hash for a `--network` name (as carried in gossip: genesis hash, internal byte order).
pub fn chain_hash(network: &str) -> Option<[u8; 32]> {
    let net = match network {
        "bitcoin" | "mainnet" => bitcoin::Network::Bitcoin,
        "testnet" => bitcoin::Network::Testnet,
        "signet" => bitcoin::Network::Signet,
        "regtest" => bitcoin::Network::Regtest,
        _ => return None,
    };
    Some(bitcoin::constants::ChainHash::using_genesis_block(net).to_bytes())
}
