//! BFC-CRC: CRC-32C (Castagnoli, reflected) with init 0 and no final XOR, as written by
//! the reference tool's SSE4.2/ARMv8 paths. check("123456789") = 0x58E3FA20. Archives
//! from the reference tool's software fallback carry standard CRC-32C instead, which
//! readers accept too. Both are computed by the crc32c crate, with the CPU's CRC
//! instructions where it has them.

/// A streaming BFC-CRC.
#[derive(Debug, Clone, Copy)]
pub struct Digest {
    value: u32,
}

impl Digest {
    pub fn update(&mut self, data: &[u8]) {
        // crc32c_append(c, d) is the standard CRC continued from c: it inverts on the
        // way in and out, which the BFC variant (no inversion) undoes.
        self.value = !crc32c::crc32c_append(!self.value, data);
    }

    pub fn finalize(self) -> u32 {
        self.value
    }
}

/// A streaming BFC-CRC.
pub fn digest() -> Digest {
    Digest { value: 0 }
}

/// BFC-CRC of `data`.
pub fn checksum(data: &[u8]) -> u32 {
    let mut d = digest();
    d.update(data);
    d.finalize()
}

/// Whether `recorded` is a CRC of the `len` bytes whose BFC-CRC is `bfc`, in either
/// variant (the standard one is derived, not computed again).
pub fn accepts(recorded: u32, bfc: u32, len: u64) -> bool {
    recorded == bfc || recorded == standard_from(bfc, len)
}

/// The standard CRC-32C of the `len` bytes whose BFC-CRC is `bfc`, without reading
/// them again: the two variants differ only in the initial and final inversion, so
/// they differ by the standard CRC of `len` zero bytes (CRCs are affine in the data).
fn standard_from(bfc: u32, len: u64) -> u32 {
    static ZEROS: [u8; 64 * 1024] = [0; 64 * 1024];
    let mut zeros = 0u32;
    let mut left = len;
    while left > 0 {
        let n = left.min(ZEROS.len() as u64) as usize;
        zeros = crc32c::crc32c_append(zeros, &ZEROS[..n]);
        left -= n as u64;
    }
    bfc ^ zeros
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Standard CRC-32C of `data`.
    fn standard_checksum(data: &[u8]) -> u32 {
        crc32c::crc32c(data)
    }

    #[test]
    fn the_standard_crc_follows_from_the_bfc_one_and_the_length() {
        for data in [&b""[..], b"1", b"123456789", &[7u8; 200_000]] {
            assert_eq!(
                standard_from(checksum(data), data.len() as u64),
                standard_checksum(data),
                "{} bytes",
                data.len()
            );
            let len = data.len() as u64;
            assert!(accepts(standard_checksum(data), checksum(data), len));
            assert!(accepts(checksum(data), checksum(data), len));
            assert!(!accepts(checksum(data) ^ 1, checksum(data), len));
        }
    }

    #[test]
    fn check_values_of_the_bfc_variant() {
        assert_eq!(checksum(b"123456789"), 0x58E3_FA20);
        assert_eq!(checksum(b"hello world\n"), 0xDB9F_C7CF);
        assert_eq!(checksum(b""), 0);
        assert_eq!(standard_checksum(b"123456789"), 0xE306_9283);
        let mut d = digest();
        d.update(b"hello ");
        d.update(b"world\n");
        assert_eq!(d.finalize(), 0xDB9F_C7CF);
    }

    #[test]
    fn long_inputs_agree_with_a_bitwise_reference() {
        fn bitwise(init: u32, data: &[u8]) -> u32 {
            let mut crc = init;
            for &b in data {
                crc ^= u32::from(b);
                for _ in 0..8 {
                    crc = if crc & 1 != 0 {
                        (crc >> 1) ^ 0x82F6_3B78
                    } else {
                        crc >> 1
                    };
                }
            }
            crc
        }
        let data: Vec<u8> = (0..100_003u32).map(|i| (i * 7 + i / 251) as u8).collect();
        assert_eq!(checksum(&data), bitwise(0, &data));
        assert_eq!(standard_checksum(&data), !bitwise(!0, &data));
    }
}
