//! Fees by bank transfer: the NAPAS "VietQR" code every Vietnamese banking app scans. An EMVCo
//! merchant-presented payload of tag–length–value fields: 00 "01" (format), 01 "12" (one
//! amount), 38 the beneficiary (GUID "A000000727", the bank's BIN and the account, the service
//! "QRIBFTTA": transfer to an account), 53 "704" (đồng), 54 the amount, 58 "VN", 62 with 08 the
//! transfer's content, and 63 a CRC-16/CCITT-FALSE of everything before its value.
//!
//! The content carries the dossier code, so the centre matches a transfer to its dossier.

use serde::{Deserialize, Serialize};

use crate::{Lang, Localized};

/// NAPAS's application identifier.
const NAPAS_GUID: &str = "A000000727";
/// Transfer to an account (to a card is "QRIBFTTC").
const TO_ACCOUNT: &str = "QRIBFTTA";
/// Longest account number NAPAS carries.
const MAX_ACCOUNT: usize = 19;
/// Longest transfer content EMVCo's "purpose of transaction" holds.
pub const MAX_CONTENT: usize = 25;
/// Largest amount (13 digits: ten thousand billion đồng).
pub const MAX_AMOUNT: u64 = 9_999_999_999_999;

/// The account fees are paid into, as the centre sets it.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct PaymentAccount {
    /// The bank's 6-digit NAPAS BIN (e.g. 970436 Vietcombank, 970415 VietinBank).
    pub bin: String,
    /// The account number.
    pub account: String,
    /// The account holder as the bank names it (shown to the payer).
    #[serde(default)]
    pub holder: String,
    /// The bank's name as visitors know it.
    #[serde(default)]
    pub bank: String,
}

/// Why a payment code cannot be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VietQrError {
    #[error("the bank BIN is 6 digits")]
    Bin,
    #[error("the account number is 1 to 19 letters or digits")]
    Account,
    #[error("the amount is 1 to 9,999,999,999,999 đồng")]
    Amount,
    #[error("the content is 1 to 25 letters, digits, spaces, dots or dashes")]
    Content,
}

impl Localized for VietQrError {
    fn code(&self) -> &'static str {
        match self {
            VietQrError::Bin => "vietqr.bin",
            VietQrError::Account => "vietqr.account",
            VietQrError::Amount => "vietqr.amount",
            VietQrError::Content => "vietqr.content",
        }
    }

    fn message(&self, lang: Lang) -> String {
        match (self, lang) {
            (VietQrError::Bin, Lang::Vi) => {
                "Mã BIN của ngân hàng gồm 6 chữ số (ví dụ 970436 là Vietcombank).".into()
            }
            (VietQrError::Account, Lang::Vi) => {
                "Số tài khoản gồm 1 đến 19 chữ số hoặc chữ cái, không dấu cách.".into()
            }
            (VietQrError::Amount, Lang::Vi) => "Số tiền phải lớn hơn 0 đồng.".into(),
            (VietQrError::Content, Lang::Vi) => {
                "Nội dung chuyển khoản gồm 1 đến 25 chữ cái không dấu, chữ số, dấu cách, dấu chấm hoặc gạch ngang."
                    .into()
            }
            (e, Lang::En) => {
                let s = e.to_string();
                let mut c = s.chars();
                match c.next() {
                    Some(f) => format!("{}{}.", f.to_uppercase(), c.as_str()),
                    None => s,
                }
            }
        }
    }
}

impl PaymentAccount {
    /// The account checked (trimmed; an error names what is wrong).
    pub fn checked(&self) -> Result<PaymentAccount, VietQrError> {
        let bin = self.bin.trim();
        if bin.len() != 6 || !bin.bytes().all(|b| b.is_ascii_digit()) {
            return Err(VietQrError::Bin);
        }
        let account = self.account.trim();
        if account.is_empty()
            || account.len() > MAX_ACCOUNT
            || !account.bytes().all(|b| b.is_ascii_alphanumeric())
        {
            return Err(VietQrError::Account);
        }
        Ok(PaymentAccount {
            bin: bin.to_owned(),
            account: account.to_owned(),
            holder: self.holder.trim().to_owned(),
            bank: self.bank.trim().to_owned(),
        })
    }
}

/// The VietQR payload asking `amount` đồng into `to`, with `content` as the transfer's content.
pub fn payload(to: &PaymentAccount, amount: u64, content: &str) -> Result<String, VietQrError> {
    let to = to.checked()?;
    if amount == 0 || amount > MAX_AMOUNT {
        return Err(VietQrError::Amount);
    }
    if content.is_empty()
        || content.len() > MAX_CONTENT
        || !content
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b" .-".contains(&b))
    {
        return Err(VietQrError::Content);
    }
    let beneficiary = [field("00", &to.bin), field("01", &to.account)].concat();
    let merchant = [
        field("00", NAPAS_GUID),
        field("01", &beneficiary),
        field("02", TO_ACCOUNT),
    ]
    .concat();
    let mut out = [
        field("00", "01"),
        field("01", "12"),
        field("38", &merchant),
        field("53", "704"),
        field("54", &amount.to_string()),
        field("58", "VN"),
        field("62", &field("08", content)),
    ]
    .concat();
    out.push_str("6304");
    let crc = crc16(out.as_bytes());
    out.push_str(&format!("{crc:04X}"));
    Ok(out)
}

/// One tag–length–value field (every value here is ASCII and under 100 bytes).
fn field(tag: &str, value: &str) -> String {
    format!("{tag}{:02}{value}", value.len())
}

/// CRC-16/CCITT-FALSE: polynomial 0x1021, initial 0xFFFF, no reflection, no final xor.
pub fn crc16(bytes: &[u8]) -> u16 {
    let mut crc: u16 = 0xFFFF;
    for &b in bytes {
        crc ^= u16::from(b) << 8;
        for _ in 0..8 {
            crc = if crc & 0x8000 != 0 {
                (crc << 1) ^ 0x1021
            } else {
                crc << 1
            };
        }
    }
    crc
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn account(bin: &str, account: &str) -> PaymentAccount {
        PaymentAccount {
            bin: bin.into(),
            account: account.into(),
            ..PaymentAccount::default()
        }
    }

    /// Payloads published by others (a shop's invoice, a generator's test, a payment service's
    /// order), each with its CRC: ours are the same, byte for byte.
    #[test]
    fn published_payloads_are_made_byte_for_byte() {
        assert_eq!(
            payload(&account("970436", "1023456789"), 1_943_000, "TT000069").unwrap(),
            "00020101021238540010A00000072701240006970436011010234567890208QRIBFTTA5303704540719430005802VN62120808TT0000696304A8E5"
        );
        assert_eq!(
            payload(
                &account("970415", "0011001932418"),
                120_000,
                "ung ho lu lut"
            )
            .unwrap(),
            "00020101021238570010A0000007270127000697041501130011001932418\
             0208QRIBFTTA530370454061200005802VN62170813ung ho lu lut6304C15C"
        );
        assert_eq!(
            payload(&account("970422", "VQRQADAIJ5512"), 7_000, "TL89 100").unwrap(),
            "00020101021238570010A000000727012700069704220113VQRQADAIJ55120208QRIBFTTA5303704540470005802VN62120808TL89 1006304E346"
        );
    }

    #[test]
    fn the_crc_is_ccitt_false() {
        // The standard check value of CRC-16/CCITT-FALSE.
        assert_eq!(crc16(b"123456789"), 0x29B1);
    }

    #[test]
    fn what_cannot_be_paid_is_refused_with_a_reason() {
        let a = account("970436", "1023456789");
        assert_eq!(
            payload(&account("97043", "1"), 1, "x"),
            Err(VietQrError::Bin)
        );
        assert_eq!(
            payload(&account("970436", "12 34"), 1, "x"),
            Err(VietQrError::Account)
        );
        assert_eq!(
            payload(&account("970436", ""), 1, "x"),
            Err(VietQrError::Account)
        );
        assert_eq!(payload(&a, 0, "x"), Err(VietQrError::Amount));
        assert_eq!(payload(&a, MAX_AMOUNT + 1, "x"), Err(VietQrError::Amount));
        assert_eq!(payload(&a, 1, "Phí hồ sơ"), Err(VietQrError::Content));
        assert_eq!(payload(&a, 1, &"9".repeat(26)), Err(VietQrError::Content));
        // A dossier code is exactly as long as the content may be.
        assert!(payload(&a, 150_000, "000.00.01.H16-251110-0001").is_ok());
        assert!(
            VietQrError::Bin
                .message(Lang::En)
                .starts_with("The bank BIN")
        );
    }

    /// Read a payload back into its fields (for the test: a payload is made here, never read).
    fn fields(mut s: &str) -> Vec<(String, String)> {
        let mut out = Vec::new();
        while !s.is_empty() {
            let len: usize = s[2..4].parse().unwrap();
            out.push((s[..2].to_owned(), s[4..4 + len].to_owned()));
            s = &s[4 + len..];
        }
        out
    }

    proptest! {
        #[test]
        fn any_payable_request_makes_a_well_formed_payload(
            bin in "[0-9]{6}", acc in "[0-9A-Z]{1,19}", amount in 1..=MAX_AMOUNT,
            content in "[0-9A-Za-z .-]{1,25}",
        ) {
            let p = payload(&account(&bin, &acc), amount, &content).unwrap();
            let f = fields(&p);
            let tags: Vec<&str> = f.iter().map(|(t, _)| t.as_str()).collect();
            prop_assert_eq!(tags, vec!["00", "01", "38", "53", "54", "58", "62", "63"]);
            prop_assert_eq!(&f[4].1, &amount.to_string());
            prop_assert_eq!(&f[6].1, &format!("08{:02}{content}", content.len()));
            let merchant = fields(&f[2].1);
            prop_assert_eq!(&fields(&merchant[1].1)[1].1, &acc);
            let crc = u16::from_str_radix(&f[7].1, 16).unwrap();
            prop_assert_eq!(crc, crc16(&p.as_bytes()[..p.len() - 4]));
        }

        /// Whatever is typed as the account or content, an answer or a reason, never a panic.
        #[test]
        fn any_input_is_a_payload_or_a_reason(bin in ".{0,10}", acc in ".{0,30}", amount: u64, content in ".{0,40}") {
            let _ = payload(&account(&bin, &acc), amount, &content);
        }
    }
}
