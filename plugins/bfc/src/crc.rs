//! BFC-CRC: CRC-32C (Castagnoli, reflected) with init 0 and no final XOR, as written by
//! the reference tool's SSE4.2/ARMv8 paths. check("123456789") = 0x58E3FA20.

use crc::{Algorithm, Crc, Digest};

/// The CRC variant BFC archives use.
pub const BFC_CRC: Algorithm<u32> = Algorithm {
    width: 32,
    poly: 0x1EDC_6F41,
    init: 0,
    refin: true,
    refout: true,
    xorout: 0,
    check: 0x58E3_FA20,
    residue: 0,
};

/// Standard CRC-32C (archives from the reference tool's software fallback use it).
pub const STANDARD_CRC32C: Crc<u32> = Crc::<u32>::new(&crc::CRC_32_ISCSI);

static CRC: Crc<u32> = Crc::<u32>::new(&BFC_CRC);

/// BFC-CRC of `data`.
pub fn checksum(data: &[u8]) -> u32 {
    CRC.checksum(data)
}

/// A streaming BFC-CRC.
pub fn digest() -> Digest<'static, u32> {
    CRC.digest()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn check_values_of_the_bfc_variant() {
        assert_eq!(checksum(b"123456789"), 0x58E3_FA20);
        assert_eq!(checksum(b"hello world\n"), 0xDB9F_C7CF);
        assert_eq!(checksum(b""), 0);
        assert_eq!(STANDARD_CRC32C.checksum(b"123456789"), 0xE306_9283);
        let mut d = digest();
        d.update(b"hello ");
        d.update(b"world\n");
        assert_eq!(d.finalize(), 0xDB9F_C7CF);
    }
}
