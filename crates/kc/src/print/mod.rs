//! Output the way kubectl prints it: aligned columns, server-side tables, and whole objects.

pub mod object;
pub mod table;
pub mod tabwriter;
pub mod yaml;

pub use object::{ObjectFormat, name_of, render_objects};
pub use table::{Column, Table, TableOptions};
pub use tabwriter::TabWriter;
