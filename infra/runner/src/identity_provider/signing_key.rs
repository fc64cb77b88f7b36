//! The user pool's signing key: RSA 2048, made fresh for each process, as
//! the JWKS publishes it and as the tokens name it (`kid`).

use aws_lc_rs::encoding::AsDer;
use aws_lc_rs::rsa::{KeyPair as RsaKeyPair, KeySize};
use aws_lc_rs::signature::KeyPair as _;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde::Serialize;
use serde_json::{Value, json};

use super::{IdentityProviderError, random_token};

pub(super) struct SigningKey {
    kid: String,
    encoding: EncodingKey,
    modulus: String,
    exponent: String,
}

impl SigningKey {
    pub(super) fn generate() -> Result<Self, IdentityProviderError> {
        let key_pair = RsaKeyPair::generate(KeySize::Rsa2048).map_err(|_| IdentityProviderError::KeyGeneration)?;
        let pkcs8 = key_pair.as_der().map_err(|_| IdentityProviderError::KeyGeneration)?;
        // jsonwebtoken signs with a PKCS#1 `RSAPrivateKey`; aws-lc exports
        // PKCS#8, which wraps exactly that structure.
        let rsa_private_key = rsa_private_key_in(pkcs8.as_ref()).ok_or(IdentityProviderError::KeyGeneration)?;
        let public_key = key_pair.public_key();
        Ok(Self {
            kid: random_token(20).map_err(|_| IdentityProviderError::KeyGeneration)?,
            encoding: EncodingKey::from_rsa_der(rsa_private_key),
            modulus: URL_SAFE_NO_PAD.encode(public_key.modulus().big_endian_without_leading_zero()),
            exponent: URL_SAFE_NO_PAD.encode(public_key.exponent().big_endian_without_leading_zero()),
        })
    }

    /// A JWT signed RS256 with a header of `kid` and `alg` only, as
    /// Cognito's tokens have.
    pub(super) fn sign<T: Serialize>(&self, claims: &T) -> Result<String, jsonwebtoken::errors::Error> {
        let mut header = Header::new(Algorithm::RS256);
        header.typ = None;
        header.kid = Some(self.kid.clone());
        jsonwebtoken::encode(&header, claims, &self.encoding)
    }

    /// The body of `/.well-known/jwks.json`.
    pub(super) fn jwks(&self) -> Value {
        json!({
            "keys": [{
                "alg": "RS256",
                "e": self.exponent,
                "kid": self.kid,
                "kty": "RSA",
                "n": self.modulus,
                "use": "sig",
            }]
        })
    }
}

/// The `RSAPrivateKey` inside a PKCS#8 `PrivateKeyInfo`
/// (SEQUENCE { INTEGER version, SEQUENCE algorithm, OCTET STRING key }).
fn rsa_private_key_in(pkcs8: &[u8]) -> Option<&[u8]> {
    const SEQUENCE: u8 = 0x30;
    const INTEGER: u8 = 0x02;
    const OCTET_STRING: u8 = 0x04;
    let (SEQUENCE, private_key_info, _) = der_element(pkcs8)? else {
        return None;
    };
    let (INTEGER, _version, rest) = der_element(private_key_info)? else {
        return None;
    };
    let (SEQUENCE, _algorithm, rest) = der_element(rest)? else {
        return None;
    };
    let (OCTET_STRING, private_key, _) = der_element(rest)? else {
        return None;
    };
    Some(private_key)
}

/// One DER tag-length-value: (tag, content, what follows).
fn der_element(input: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let (&tag, rest) = input.split_first()?;
    let (&first_length_byte, rest) = rest.split_first()?;
    let (length, rest) = if first_length_byte < 0x80 {
        (usize::from(first_length_byte), rest)
    } else {
        let length_bytes = usize::from(first_length_byte & 0x7f);
        if length_bytes == 0 || length_bytes > 4 || rest.len() < length_bytes {
            return None;
        }
        let (length, rest) = rest.split_at(length_bytes);
        (length.iter().fold(0, |sum, &byte| (sum << 8) | usize::from(byte)), rest)
    };
    if rest.len() < length {
        return None;
    }
    let (content, rest) = rest.split_at(length);
    Some((tag, content, rest))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_der_element_with_a_long_length_is_read_whole_and_a_truncated_one_is_refused() {
        let mut long = vec![0x04, 0x81, 0x80];
        long.extend([7; 0x80]);
        long.push(0x05);
        let (tag, content, rest) = der_element(&long).unwrap();
        assert_eq!((tag, content.len(), rest), (0x04, 0x80, &[0x05][..]));
        assert!(der_element(&long[..50]).is_none());
        assert!(rsa_private_key_in(&[0x30, 0x03, 0x02, 0x01, 0x00]).is_none());
    }
}
