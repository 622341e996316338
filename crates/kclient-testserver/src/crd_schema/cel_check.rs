//! A focused type checker for `x-kubernetes-validations` rules, run when a CRD is written
//! (cel-rust parses but does not type-check): identifiers against the declared variables,
//! field selection and `has()` against the schema's properties, literals, operators and
//! function calls against the known overloads ([`super::cel_sigs`]), and the macros'
//! comprehensions over lists and maps. It reports what kube-apiserver's cel-go checker reports
//! for those forms, with its messages and `ERROR: <input>:line:col` rendering, and lets pass
//! what it cannot decide (`dyn`).

use cel::common::ast::{EntryExpr, Expr, IdedExpr, LiteralValue};

use super::cel_sigs::{self, Typed};
use super::cel_types::Ty;

/// Type names an expression may use as values (`type(x) == int`).
const TYPE_NAMES: &[&str] = &[
    "bool",
    "int",
    "uint",
    "double",
    "string",
    "bytes",
    "list",
    "map",
    "null_type",
    "type",
    "dyn",
];

/// Checks `expr` (parsed from `source`) with `vars` declared; the result type, or the
/// issues rendered as cel-go renders them.
pub(super) fn check(
    program: &cel::Program,
    source: &str,
    vars: &[(&str, Ty)],
) -> Result<Ty, String> {
    let mut checker = Checker {
        program,
        scopes: vars
            .iter()
            .map(|(n, t)| ((*n).to_owned(), t.clone()))
            .collect(),
        errors: Vec::new(),
    };
    let ty = checker.ty(program.expression(), 0);
    if checker.errors.is_empty() {
        return Ok(ty);
    }
    checker.errors.sort_by_key(|(offset, _)| *offset);
    Err(checker
        .errors
        .iter()
        .map(|(offset, msg)| render(source, *offset, msg))
        .collect::<Vec<_>>()
        .join("\n"))
}

/// cel-go's rendering of an issue: `ERROR: <input>:line:col: msg`, the source line and a
/// caret under the column (`offset` in bytes).
pub(super) fn render(source: &str, offset: usize, msg: &str) -> String {
    let offset = offset.min(source.len());
    let before = &source[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = source[line_start..offset].chars().count();
    let text = source[line_start..]
        .lines()
        .next()
        .unwrap_or("")
        .replace('\t', " ");
    format!(
        "ERROR: <input>:{line}:{}: {msg}\n | {text}\n | {}^",
        column + 1,
        ".".repeat(column)
    )
}

struct Checker<'a> {
    program: &'a cel::Program,
    scopes: Vec<(String, Ty)>,
    errors: Vec<(usize, String)>,
}

impl Checker<'_> {
    /// Where node `id` starts, `fallback` (its parent's) for nodes a macro made.
    fn offset(&self, id: u64, fallback: usize) -> usize {
        self.program
            .source_info()
            .offset_for(id)
            .map_or(fallback, |(start, _)| start as usize)
    }

    fn lookup(&self, name: &str) -> Option<&Ty> {
        self.scopes
            .iter()
            .rev()
            .find(|(n, _)| n == name)
            .map(|(_, t)| t)
    }

    fn error(&mut self, at: usize, msg: String) -> Ty {
        self.errors.push((at, msg));
        Ty::Dyn
    }

    fn ty(&mut self, e: &IdedExpr, parent: usize) -> Ty {
        let at = self.offset(e.id, parent);
        match &e.expr {
            Expr::Literal(l) => match l {
                LiteralValue::Boolean(_) => Ty::Bool,
                LiteralValue::Bytes(_) => Ty::Bytes,
                LiteralValue::Double(_) => Ty::Double,
                LiteralValue::Int(_) => Ty::Int,
                LiteralValue::Null => Ty::Null,
                LiteralValue::String(_) => Ty::String,
                LiteralValue::UInt(_) => Ty::Uint,
            },
            Expr::Ident(name) => match self.lookup(name) {
                Some(t) => t.clone(),
                None if TYPE_NAMES.contains(&name.as_str()) => Ty::Type,
                None => self.error(
                    at,
                    format!("undeclared reference to '{name}' (in container '')"),
                ),
            },
            Expr::Select(s) => {
                let operand = self.ty(&s.operand, at);
                let field = self.select(at, &operand, &s.field);
                if s.test { Ty::Bool } else { field }
            }
            Expr::List(l) => {
                let mut elem: Option<Ty> = None;
                for item in &l.elements {
                    let t = self.ty(item, at);
                    elem = Some(elem.map_or(t.clone(), |e| e.join(&t)));
                }
                Ty::list(elem.unwrap_or(Ty::Dyn))
            }
            Expr::Map(m) => {
                let (mut key, mut value): (Option<Ty>, Option<Ty>) = (None, None);
                for entry in &m.entries {
                    if let EntryExpr::MapEntry(me) = &entry.expr {
                        let k = self.ty(&me.key, at);
                        let v = self.ty(&me.value, at);
                        key = Some(key.map_or(k.clone(), |e| e.join(&k)));
                        value = Some(value.map_or(v.clone(), |e| e.join(&v)));
                    }
                }
                Ty::map(key.unwrap_or(Ty::Dyn), value.unwrap_or(Ty::Dyn))
            }
            Expr::Struct(_) | Expr::Unspecified => Ty::Dyn,
            Expr::Comprehension(c) => {
                let range = self.ty(&c.iter_range, at);
                let (first, second) = match &range {
                    Ty::List(e) if c.iter_var2.is_some() => (Ty::Int, (**e).clone()),
                    Ty::List(e) => ((**e).clone(), Ty::Dyn),
                    Ty::Map(k, v) => ((**k).clone(), (**v).clone()),
                    Ty::Dyn => (Ty::Dyn, Ty::Dyn),
                    other => {
                        let msg = format!(
                            "expression of type '{other}' cannot be range of a comprehension (must be list, map, or dynamic)"
                        );
                        self.error(at, msg);
                        (Ty::Dyn, Ty::Dyn)
                    }
                };
                let init = self.ty(&c.accu_init, at);
                let depth = self.scopes.len();
                self.scopes.push((c.accu_var.clone(), init.clone()));
                self.scopes.push((c.iter_var.clone(), first));
                if let Some(v2) = &c.iter_var2 {
                    self.scopes.push((v2.clone(), second));
                }
                self.ty(&c.loop_cond, at);
                let step = self.ty(&c.loop_step, at);
                // The accumulator holds what the step computes (`[]` of `map` becomes a
                // list of the mapped type).
                self.scopes[depth].1 = init.join(&step);
                let result = self.ty(&c.result, at);
                self.scopes.truncate(depth);
                result
            }
            // `a.?b`: the field as an optional.
            Expr::Call(call)
                if call.func_name == "_?._"
                    && let [operand, field] = call.args.as_slice()
                    && let Expr::Literal(LiteralValue::String(name)) = &field.expr =>
            {
                let operand = self.ty(operand, at);
                match self.select(at, &operand, name.inner()) {
                    Ty::Optional(t) => Ty::Optional(t),
                    t => Ty::optional(t),
                }
            }
            Expr::Call(call) => {
                // `optional.of(x)`, `format.dns1123Label()`: a namespaced global function.
                if let Some(target) = &call.target
                    && let Expr::Ident(ns) = &target.expr
                    && self.lookup(ns).is_none()
                {
                    let full = format!("{ns}.{}", call.func_name);
                    if cel_sigs::is_global(&full) {
                        let args: Vec<Ty> = call.args.iter().map(|a| self.ty(a, at)).collect();
                        return self.typed(at, &full, None, &args);
                    }
                }
                let target = call.target.as_ref().map(|t| self.ty(t, at));
                let args: Vec<Ty> = call.args.iter().map(|a| self.ty(a, at)).collect();
                self.typed(at, &call.func_name, target.as_ref(), &args)
            }
        }
    }

    fn typed(&mut self, at: usize, name: &str, target: Option<&Ty>, args: &[Ty]) -> Ty {
        match cel_sigs::call(name, target, args) {
            Typed::Ok(t) => t,
            Typed::NoOverload => {
                let list = args
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join(", ");
                let applied = match target {
                    Some(t) => format!("{t}.({list})"),
                    None => format!("({list})"),
                };
                self.error(
                    at,
                    format!("found no matching overload for '{name}' applied to '{applied}'"),
                )
            }
            Typed::Unknown => self.error(
                at,
                format!("undeclared reference to '{name}' (in container '')"),
            ),
        }
    }

    fn select(&mut self, at: usize, operand: &Ty, field: &str) -> Ty {
        match operand {
            Ty::Object { fields, open } => match fields.get(field) {
                Some(t) => t.clone(),
                None if *open => Ty::Dyn,
                None => self.error(at, format!("undefined field '{field}'")),
            },
            Ty::Map(_, v) => (**v).clone(),
            Ty::Optional(inner) => {
                let inner = (**inner).clone();
                match self.select(at, &inner, field) {
                    Ty::Optional(t) => Ty::Optional(t),
                    t => Ty::optional(t),
                }
            }
            Ty::Dyn => Ty::Dyn,
            other => {
                let msg = format!("type '{other}' does not support field selection");
                self.error(at, msg)
            }
        }
    }
}
