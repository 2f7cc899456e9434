//! Danish number and date formats (1.233; 33,0; 25. november 2026 kl. 12.29): the same
//! functions as the HTML and XLSX editions, so every edition writes a figure alike.

pub use spor_report::format::{
    datetime_da as format_datetime, decimal as format_decimal, int as format_count,
};
