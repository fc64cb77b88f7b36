//! Secrets drawn from the operating system's random source: a member's
//! session and the token its forms carry.

use iln_domain::token::Token;

pub fn token() -> Result<Token, getrandom::Error> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes)?;
    Ok(Token::from_random(bytes))
}
