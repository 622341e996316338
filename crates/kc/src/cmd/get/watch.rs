//! `kc get -w`: the list first, then every change as kubectl prints it — table rows aligned
//! with the table above them, or one name / object per event.

use std::io::Write;

use futures::StreamExt;
use kclient::core::UnstructuredList;
use kclient::core::watch::WatchEvent;
use kclient::rest::RestClient;
use serde_json::Value;

use super::{Query, Scope, TABLE_ACCEPT, list_error, without_managed_fields};
use crate::cli::{GetArgs, OutputFormat};
use crate::error::CliError;
use crate::print::{Column, ObjectFormat, TabWriter, Table, TableOptions, name_of, render_objects};

/// Lists, prints, then watches from the list's resourceVersion until the server ends the
/// watch (kubectl's `get -w` does not reconnect either).
pub async fn run(
    client: &RestClient,
    scope: &Scope,
    query: &Query,
    args: &GetArgs,
    format: OutputFormat,
    table: &TableOptions,
) -> Result<(), CliError> {
    let mut options = super::list_options(args);
    options.limit = None;
    let mut stdout = std::io::stdout();
    match format {
        OutputFormat::Table | OutputFormat::Wide => {
            let list: Table = scope
                .request(client, &query.target)
                .params(&options)
                .header("Accept", TABLE_ACCEPT)
                .into_json()
                .await
                .map_err(|err| list_error(err, &query.target, &options))?;
            options.resource_version = list.metadata.resource_version.clone();
            let mut printer = TableWatch::new(table.clone());
            printer.print(&mut stdout, list)?;
            let mut events = scope
                .request(client, &query.target)
                .params(&options)
                .header("Accept", TABLE_ACCEPT)
                .watch::<Table>()
                .await?;
            while let Some(event) = events.next().await {
                if let Some(page) = changed(event?)? {
                    printer.print(&mut stdout, page)?;
                }
            }
        }
        OutputFormat::Name | OutputFormat::Json | OutputFormat::Yaml => {
            let list: UnstructuredList = scope
                .request(client, &query.target)
                .params(&options)
                .into_json()
                .await
                .map_err(|err| list_error(err, &query.target, &options))?;
            options.resource_version = list.metadata.resource_version.clone();
            let mut printer = ObjectWatch {
                query,
                format,
                printed: 0,
            };
            for item in list.items {
                printer.print(&mut stdout, without_managed_fields(item.into(), args))?;
            }
            let mut events = scope
                .request(client, &query.target)
                .params(&options)
                .watch::<Value>()
                .await?;
            while let Some(event) = events.next().await {
                if let Some(object) = changed(event?)? {
                    printer.print(&mut stdout, without_managed_fields(object, args))?;
                }
            }
        }
    }
    Ok(())
}

/// The object of an ADDED/MODIFIED/DELETED event; bookmarks carry nothing to print; an ERROR
/// event ends the watch with its Status.
fn changed<T>(event: WatchEvent<T>) -> Result<Option<T>, CliError> {
    match event {
        WatchEvent::Added(obj) | WatchEvent::Modified(obj) | WatchEvent::Deleted(obj) => {
            Ok(Some(obj))
        }
        WatchEvent::Bookmark(_) => Ok(None),
        WatchEvent::Error(status) => Err(CliError::Server(format!(
            "error: watch ended: {}",
            status.message.unwrap_or_default()
        ))),
    }
}

/// kubectl's table printer across a watch: the list, then one Table per event.
///
/// kube-apiserver puts the column definitions only in the first event's Table (`null` in the
/// rest), so a Table without them is printed with the last ones seen. The header comes with
/// the first rows printed (none for an empty list), and later rows stay aligned with the
/// columns printed above them.
struct TableWatch {
    options: TableOptions,
    columns: Vec<Column>,
    widths: Vec<usize>,
    header_printed: bool,
}

impl TableWatch {
    fn new(options: TableOptions) -> Self {
        TableWatch {
            options,
            columns: Vec::new(),
            widths: Vec::new(),
            header_printed: false,
        }
    }

    fn print(&mut self, out: &mut impl Write, mut table: Table) -> Result<(), CliError> {
        if table.column_definitions.is_empty() {
            table.column_definitions.clone_from(&self.columns);
        } else {
            self.columns.clone_from(&table.column_definitions);
        }
        if table.rows.is_empty() {
            return Ok(());
        }
        let mut tw = TabWriter::new();
        table.print_into(&mut tw, &self.options, !self.header_printed);
        self.header_printed = true;
        out.write_all(tw.render_remembering(&mut self.widths).as_bytes())?;
        out.flush()?;
        Ok(())
    }
}

/// kubectl's name, JSON and YAML printers across a watch: one object at a time, YAML
/// documents separated by `---` (none before the first).
struct ObjectWatch<'a> {
    query: &'a Query,
    format: OutputFormat,
    printed: u64,
}

impl ObjectWatch<'_> {
    fn print(&mut self, out: &mut impl Write, object: Value) -> Result<(), CliError> {
        let text = match self.format {
            OutputFormat::Name => {
                let name = object
                    .pointer("/metadata/name")
                    .and_then(Value::as_str)
                    .unwrap_or_default();
                let group = self.query.target.gvr.group.as_str();
                format!("{}\n", name_of(&self.query.target.kind, group, name))
            }
            OutputFormat::Json => render_objects(vec![object], false, ObjectFormat::Json)?,
            _ => {
                let separator = if self.printed > 0 { "---\n" } else { "" };
                let yaml = render_objects(vec![object], false, ObjectFormat::Yaml)?;
                format!("{separator}{yaml}")
            }
        };
        self.printed += 1;
        out.write_all(text.as_bytes())?;
        out.flush()?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use kclient::rest::WatchDecoder;

    use super::*;

    const COLUMNS: &str = r#"[
        {"name":"Name","type":"string","format":"name","description":"","priority":0},
        {"name":"Data","type":"string","format":"","description":"","priority":0},
        {"name":"Age","type":"string","format":"","description":"","priority":0}]"#;

    fn table(columns: &str, name: &str, data: u32, age: &str) -> String {
        format!(
            r#"{{"kind":"Table","apiVersion":"meta.k8s.io/v1","metadata":{{"resourceVersion":"9"}},"columnDefinitions":{columns},"rows":[{{"cells":["{name}",{data},"{age}"],"object":{{"kind":"PartialObjectMetadata","apiVersion":"meta.k8s.io/v1","metadata":{{"name":"{name}"}}}}}}]}}"#
        )
        .replace('\n', "")
    }

    /// A Table watch as kube-apiserver sends it: the column definitions in the first event's
    /// Table only, `null` in every later one.
    fn kube_apiserver_stream() -> String {
        [
            ("ADDED", table(COLUMNS, "second", 1, "0s")),
            ("MODIFIED", table("null", "second", 2, "1s")),
            ("DELETED", table("null", "first", 0, "5m")),
        ]
        .iter()
        .map(|(kind, object)| format!("{{\"type\":\"{kind}\",\"object\":{object}}}\n"))
        .collect()
    }

    fn print_watch(list: &str, stream: &str) -> String {
        let mut out = Vec::new();
        let mut printer = TableWatch::new(TableOptions::default());
        let list: Table = serde_json::from_str(list).expect("list table");
        printer.print(&mut out, list).expect("print list");
        for event in WatchDecoder::<Table>::new().feed(stream.as_bytes()) {
            let page = changed(event.expect("decodes")).expect("no error event");
            printer
                .print(&mut out, page.expect("a change"))
                .expect("print");
        }
        String::from_utf8(out).expect("utf-8")
    }

    #[test]
    fn later_events_without_column_definitions_print_with_the_first_ones() {
        let out = print_watch(&table(COLUMNS, "first", 0, "5m"), &kube_apiserver_stream());
        assert_eq!(
            out,
            "NAME    DATA   AGE\n\
             first   0      5m\n\
             second   1      0s\n\
             second   2      1s\n\
             first    0      5m\n"
        );
    }

    #[test]
    fn an_empty_list_prints_nothing_until_the_first_event_brings_header_and_columns() {
        let empty = table(COLUMNS, "x", 0, "0s").replace(
            r#""rows":[{"cells":["x",0,"0s"],"object":{"kind":"PartialObjectMetadata","apiVersion":"meta.k8s.io/v1","metadata":{"name":"x"}}}]"#,
            r#""rows":[]"#,
        );
        assert!(empty.contains(r#""rows":[]"#), "{empty}");
        let out = print_watch(&empty, &kube_apiserver_stream());
        assert_eq!(
            out,
            "NAME     DATA   AGE\n\
             second   1      0s\n\
             second   2      1s\n\
             first    0      5m\n"
        );
    }
}
