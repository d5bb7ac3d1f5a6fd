//! One random stream per component, derived from the scenario seed and the
//! component's name, so adding a platform or a generator never changes the
//! numbers another component draws.

use rand::SeedableRng;
use rand_pcg::Pcg64Mcg;

/// A 64-bit FNV-1a hash: stable across Rust versions and machines, unlike
/// `std`'s hasher.
fn fnv1a(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        h ^= *b as u64;
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

/// SplitMix64's finaliser: spreads nearby inputs over the whole range.
fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// The seed of the stream named `component` under `scenario_seed`.
pub fn stream_seed(scenario_seed: u64, component: &str) -> u64 {
    mix(scenario_seed ^ mix(fnv1a(component.as_bytes())))
}

/// A generator for the stream named `component`.
pub fn stream(scenario_seed: u64, component: &str) -> Pcg64Mcg {
    Pcg64Mcg::seed_from_u64(stream_seed(scenario_seed, component))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streams_differ_by_name_and_seed_and_are_stable() {
        assert_ne!(stream_seed(1, "platform:a"), stream_seed(1, "platform:b"));
        assert_ne!(stream_seed(1, "platform:a"), stream_seed(2, "platform:a"));
        assert_eq!(stream_seed(42, "x"), stream_seed(42, "x"));
    }
}
