//! `kc get -w`: the list first, then every change as kubectl prints it — table rows aligned
//! with the table above them, or one name / object per event.

use std::io::Write;

use futures::StreamExt;
use kclient::core::UnstructuredList;
use kclient::core::watch::WatchEvent;
use kclient::rest::RestClient;
use serde_json::Value;

use super::{Query, Scope, TABLE_ACCEPT, without_managed_fields};
use crate::cli::{GetArgs, OutputFormat};
use crate::error::CliError;
use crate::print::{ObjectFormat, TabWriter, Table, TableOptions, name_of, render_objects};

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
                .await?;
            options.resource_version = list.metadata.resource_version.clone();
            let mut widths = Vec::new();
            let mut columns = list.column_definitions.clone();
            // kubectl prints no header for an empty list; the first change brings it.
            print_rows(
                &mut stdout,
                &list,
                table,
                !list.rows.is_empty(),
                &mut widths,
            )?;
            let mut events = scope
                .request(client, &query.target)
                .params(&options)
                .header("Accept", TABLE_ACCEPT)
                .watch::<Table>()
                .await?;
            let mut header = list.rows.is_empty();
            while let Some(event) = events.next().await {
                let Some(mut page) = changed(event?)? else {
                    continue;
                };
                // The server may send the column definitions only once.
                if page.column_definitions.is_empty() {
                    page.column_definitions = columns.clone();
                } else {
                    columns = page.column_definitions.clone();
                }
                print_rows(&mut stdout, &page, table, header, &mut widths)?;
                header = false;
            }
        }
        OutputFormat::Name | OutputFormat::Json | OutputFormat::Yaml => {
            let list: UnstructuredList = scope
                .request(client, &query.target)
                .params(&options)
                .into_json()
                .await?;
            options.resource_version = list.metadata.resource_version.clone();
            for item in list.items {
                print_object(
                    &mut stdout,
                    query,
                    without_managed_fields(item.into(), args),
                    format,
                )?;
            }
            let mut events = scope
                .request(client, &query.target)
                .params(&options)
                .watch::<Value>()
                .await?;
            while let Some(event) = events.next().await {
                if let Some(object) = changed(event?)? {
                    print_object(
                        &mut stdout,
                        query,
                        without_managed_fields(object, args),
                        format,
                    )?;
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

fn print_rows(
    out: &mut impl Write,
    table: &Table,
    options: &TableOptions,
    header: bool,
    widths: &mut Vec<usize>,
) -> Result<(), CliError> {
    let mut tw = TabWriter::new();
    table.print_into(&mut tw, options, header);
    if !tw.is_empty() {
        out.write_all(tw.render_remembering(widths).as_bytes())?;
        out.flush()?;
    }
    Ok(())
}

fn print_object(
    out: &mut impl Write,
    query: &Query,
    object: Value,
    format: OutputFormat,
) -> Result<(), CliError> {
    let text = match format {
        OutputFormat::Name => {
            let name = object
                .pointer("/metadata/name")
                .and_then(Value::as_str)
                .unwrap_or_default();
            let group = query.target.gvr.group.as_str();
            format!("{}\n", name_of(&query.target.kind, group, name))
        }
        OutputFormat::Json => render_objects(vec![object], false, ObjectFormat::Json)?,
        _ => format!(
            "---\n{}",
            render_objects(vec![object], false, ObjectFormat::Yaml)?
        ),
    };
    out.write_all(text.as_bytes())?;
    out.flush()?;
    Ok(())
}
