//! `kc get`: kubectl's `get` for any resource the server serves — server-side tables by
//! default, `-o wide|name|json|yaml`, label and field selectors, `-A`, chunked lists.

mod watch;

use std::io::Write;

use kclient::ApiError;
use kclient::core::{ListOptions, UnstructuredList};
use kclient::rest::{Request, RestClient};
use serde_json::Value;

use crate::cli::{GetArgs, GlobalFlags, OutputFormat};
use crate::error::CliError;
use crate::print::{ObjectFormat, TabWriter, Table, TableOptions, name_of, render_objects};
use crate::resolve::{Resolver, Target};

/// What kubectl sends to ask for a server-side Table (falling back to plain JSON).
pub const TABLE_ACCEPT: &str = "application/json;as=Table;v=v1;g=meta.k8s.io,\
application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json";

/// One `TYPE` with the names asked for (none = list).
struct Query {
    target: Target,
    names: Vec<String>,
}

pub async fn run(flags: &GlobalFlags, args: &GetArgs) -> Result<(), CliError> {
    if let Some(raw) = &args.raw {
        return super::raw::run(flags, raw).await;
    }
    if args.resources.is_empty() {
        return Err(CliError::Usage(
            "You must specify the type of resource to get.".into(),
        ));
    }
    let (client, namespace) = flags.client_and_namespace()?;
    let resolver = Resolver::new(client.clone());
    let queries = queries(&resolver, &args.resources).await?;
    let scope = Scope {
        namespace: (!args.all_namespaces).then_some(namespace),
    };
    let printer = Printer::new(args);
    if args.watch {
        let [query] = queries.as_slice() else {
            return Err(CliError::Usage(
                "you may only specify a single resource type".into(),
            ));
        };
        return watch::run(&client, &scope, query, args, printer.format, &printer.table).await;
    }
    printer.print(&client, &scope, &queries, args).await
}

/// kubectl's argument forms: `TYPE[,TYPE…] [NAME…]` or `TYPE/NAME…`.
async fn queries(resolver: &Resolver, args: &[String]) -> Result<Vec<Query>, CliError> {
    let mut queries: Vec<Query> = Vec::new();
    if args[0].contains('/') {
        for arg in args {
            let Some((kind, name)) = arg.split_once('/') else {
                return Err(CliError::Usage(format!(
                    "there is no need to specify a resource type as a separate argument when \
                     passing arguments in resource/name form (e.g. 'kc get resource/<resource_name>' \
                     instead of 'kc get resource resource/<resource_name>'): {arg}"
                )));
            };
            for target in resolver.resolve(kind).await? {
                match queries.iter_mut().find(|q| q.target.gvr == target.gvr) {
                    Some(q) => q.names.push(name.to_owned()),
                    None => queries.push(Query {
                        target,
                        names: vec![name.to_owned()],
                    }),
                }
            }
        }
        return Ok(queries);
    }
    let names: Vec<String> = args[1..].to_vec();
    for kind in args[0].split(',').filter(|k| !k.is_empty()) {
        for target in resolver.resolve(kind).await? {
            if !queries.iter().any(|q| q.target.gvr == target.gvr) {
                queries.push(Query {
                    target,
                    names: names.clone(),
                });
            }
        }
    }
    Ok(queries)
}

/// Where to look: one namespace, or all of them (`-A`).
struct Scope {
    namespace: Option<String>,
}

impl Scope {
    fn request(&self, client: &RestClient, target: &Target) -> Request {
        let gv = target.gvr.group_version();
        let request = client.get().group_version(&gv);
        let request = match (&self.namespace, target.namespaced) {
            (Some(ns), true) => request.namespace(ns),
            _ => request,
        };
        request.resource(&target.gvr.resource)
    }
}

struct Printer {
    format: OutputFormat,
    table: TableOptions,
}

impl Printer {
    fn new(args: &GetArgs) -> Self {
        let format = args.output.unwrap_or_default();
        Printer {
            format,
            table: TableOptions {
                wide: format == OutputFormat::Wide,
                with_namespace: args.all_namespaces,
                kind_prefix: None,
                no_headers: args.no_headers,
            },
        }
    }

    async fn print(
        &self,
        client: &RestClient,
        scope: &Scope,
        queries: &[Query],
        args: &GetArgs,
    ) -> Result<(), CliError> {
        let options = list_options(args);
        let mut errors = Vec::new();
        let mut objects = Vec::new();
        let mut tables = Vec::new();
        let mut names = Vec::new();
        for query in queries {
            let target = &query.target;
            let group = target.gvr.group.as_str();
            match self.format {
                OutputFormat::Table | OutputFormat::Wide => {
                    let table = fetch_tables(client, scope, query, &options, &mut errors).await?;
                    tables.push((target, table));
                }
                OutputFormat::Name | OutputFormat::Json | OutputFormat::Yaml => {
                    for object in fetch_objects(client, scope, query, &options, &mut errors).await?
                    {
                        if self.format == OutputFormat::Name {
                            let name = object
                                .pointer("/metadata/name")
                                .and_then(Value::as_str)
                                .unwrap_or_default();
                            names.push(name_of(&target.kind, group, name));
                        } else {
                            objects.push(without_managed_fields(object, args));
                        }
                    }
                }
            }
        }
        let mut stdout = std::io::stdout().lock();
        match self.format {
            OutputFormat::Table | OutputFormat::Wide => {
                let printed = self.print_tables(&mut stdout, &tables)?;
                if !printed && errors.is_empty() {
                    eprintln!("{}", no_resources(scope, queries));
                }
            }
            // Like kubectl, only the table printers say that nothing was found; the others
            // print what there is: no names, or an empty `List`.
            OutputFormat::Name => {
                for name in &names {
                    writeln!(stdout, "{name}")?;
                }
            }
            OutputFormat::Json | OutputFormat::Yaml => {
                let format = if self.format == OutputFormat::Json {
                    ObjectFormat::Json
                } else {
                    ObjectFormat::Yaml
                };
                // One object asked for by name prints alone, or not at all when it failed;
                // anything else prints as a List, whatever was found and whatever failed.
                let single = single_item_implied(queries);
                if !single || errors.is_empty() {
                    let as_list = !single || objects.len() != 1;
                    stdout.write_all(render_objects(objects, as_list, format)?.as_bytes())?;
                }
            }
        }
        stdout.flush()?;
        finish(errors)
    }

    /// One aligned block per type, separated by blank lines as kubectl does. Names carry
    /// their kind when the server answered for more than one type, even with nothing.
    fn print_tables(
        &self,
        out: &mut impl Write,
        tables: &[(&Target, Vec<Table>)],
    ) -> Result<bool, CliError> {
        let answered = tables.iter().filter(|(_, pages)| !pages.is_empty()).count();
        let mut printed = false;
        for (target, pages) in tables {
            if pages.iter().all(|t| t.rows.is_empty()) {
                continue;
            }
            let mut options = self.table.clone();
            if answered > 1 {
                let group = target.gvr.group.as_str();
                let prefix = name_of(&target.kind, group, "");
                options.kind_prefix = Some(prefix.trim_end_matches('/').to_owned());
            }
            let mut tw = TabWriter::new();
            for (i, page) in pages.iter().enumerate() {
                page.print_into(&mut tw, &options, i == 0);
            }
            if printed {
                writeln!(out)?;
            }
            out.write_all(tw.render().as_bytes())?;
            printed = true;
        }
        Ok(printed)
    }
}

fn list_options(args: &GetArgs) -> ListOptions {
    ListOptions {
        label_selector: args.selector.clone(),
        field_selector: args.field_selector.clone(),
        limit: (args.chunk_size > 0).then_some(args.chunk_size),
        ..ListOptions::default()
    }
}

/// Named objects one by one (no table when every one failed); otherwise every page of the
/// list.
async fn fetch_tables(
    client: &RestClient,
    scope: &Scope,
    query: &Query,
    options: &ListOptions,
    errors: &mut Vec<CliError>,
) -> Result<Vec<Table>, CliError> {
    let mut pages = Vec::new();
    if !query.names.is_empty() {
        let mut merged = Table::default();
        let mut found = false;
        for name in &query.names {
            let request = scope
                .request(client, &query.target)
                .name(name)
                .header("Accept", TABLE_ACCEPT);
            match request.into_json::<Table>().await {
                Ok(table) => {
                    found = true;
                    if merged.column_definitions.is_empty() {
                        merged.column_definitions = table.column_definitions;
                    }
                    merged.rows.extend(table.rows);
                }
                Err(err) => errors.push(err.into()),
            }
        }
        if found {
            pages.push(merged);
        }
        return Ok(pages);
    }
    let mut options = options.clone();
    loop {
        let request = scope
            .request(client, &query.target)
            .params(&options)
            .header("Accept", TABLE_ACCEPT);
        let table: Table = match request.into_json().await {
            Ok(table) => table,
            Err(err) => {
                errors.push(list_error(err, &query.target, &options));
                return Ok(pages);
            }
        };
        let next = table
            .metadata
            .continue_token
            .clone()
            .filter(|c| !c.is_empty());
        pages.push(table);
        match next {
            Some(token) if options.limit.is_some() => options.continue_token = Some(token),
            _ => return Ok(pages),
        }
    }
}

async fn fetch_objects(
    client: &RestClient,
    scope: &Scope,
    query: &Query,
    options: &ListOptions,
    errors: &mut Vec<CliError>,
) -> Result<Vec<Value>, CliError> {
    let mut out = Vec::new();
    if !query.names.is_empty() {
        for name in &query.names {
            match scope
                .request(client, &query.target)
                .name(name)
                .into_json::<Value>()
                .await
            {
                Ok(object) => out.push(object),
                Err(err) => errors.push(err.into()),
            }
        }
        return Ok(out);
    }
    let mut options = options.clone();
    loop {
        let list: UnstructuredList = match scope
            .request(client, &query.target)
            .params(&options)
            .into_json()
            .await
        {
            Ok(list) => list,
            Err(err) => {
                errors.push(list_error(err, &query.target, &options));
                return Ok(out);
            }
        };
        let next = list.metadata.continue_.clone().filter(|c| !c.is_empty());
        out.extend(list.items.into_iter().map(Value::from));
        match next {
            Some(token) if options.limit.is_some() => options.continue_token = Some(token),
            _ => return Ok(out),
        }
    }
}

/// A failed list as kubectl words it: a bad request (an unsupported field selector) or a
/// missing resource names the resource and the selectors before the server's message, and
/// stays an error from the server. Like kubectl, the other types asked for are still listed.
pub(super) fn list_error(
    mut err: kclient::rest::Error,
    target: &Target,
    options: &ListOptions,
) -> CliError {
    if !(err.is_bad_request() || err.is_not_found()) {
        return err.into();
    }
    if let kclient::rest::Error::Api(status) = &mut err {
        let message = status.message.as_deref().unwrap_or_default();
        let labels = options.label_selector.as_deref().unwrap_or_default();
        let fields = options.field_selector.as_deref().unwrap_or_default();
        let resource = target.gvr.to_string();
        status.message = Some(if labels.is_empty() && fields.is_empty() {
            format!("Unable to list {resource:?}: {message}")
        } else {
            format!(
                "Unable to find {resource:?} that match label selector {labels:?}, \
                 field selector {fields:?}: {message}"
            )
        });
    }
    err.into()
}

/// kubectl hides managedFields unless `--show-managed-fields`.
pub(super) fn without_managed_fields(mut object: Value, args: &GetArgs) -> Value {
    if !args.show_managed_fields
        && let Some(meta) = object.get_mut("metadata").and_then(Value::as_object_mut)
    {
        meta.remove("managedFields");
    }
    object
}

/// kubectl's "single item implied": exactly one object asked for by name (`TYPE NAME` or
/// `TYPE/NAME`), which `-o json|yaml` print alone rather than in a `List`.
fn single_item_implied(queries: &[Query]) -> bool {
    match queries {
        [query] => query.names.len() == 1,
        _ => false,
    }
}

fn no_resources(scope: &Scope, queries: &[Query]) -> String {
    let namespaced = queries.iter().any(|q| q.target.namespaced);
    match &scope.namespace {
        Some(ns) if namespaced => format!("No resources found in {ns} namespace."),
        _ => "No resources found".to_owned(),
    }
}

/// Prints every error but the last, which becomes the command's error (exit status 1).
fn finish(mut errors: Vec<CliError>) -> Result<(), CliError> {
    let last = errors.pop();
    for err in errors {
        eprintln!("{err}");
    }
    last.map_or(Ok(()), Err)
}
