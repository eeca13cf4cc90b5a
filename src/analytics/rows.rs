//! Multi-row `insert … values (…), (…)` statements: ingest writes a thousand events in a
//! handful of statements instead of thousands, which is what lets SQLite take tens of
//! thousands of events a second.

use crate::db::Tx;
use sqlx::Arguments;
use sqlx::any::AnyArguments;

/// A value bound to one column of one row.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Text(String),
    Int(i64),
    NullText,
    NullInt,
}

impl From<&str> for Value {
    fn from(text: &str) -> Self {
        Value::Text(text.to_string())
    }
}

impl From<String> for Value {
    fn from(text: String) -> Self {
        Value::Text(text)
    }
}

impl From<i64> for Value {
    fn from(int: i64) -> Self {
        Value::Int(int)
    }
}

impl From<Option<String>> for Value {
    fn from(text: Option<String>) -> Self {
        text.map_or(Value::NullText, Value::Text)
    }
}

impl From<Option<i64>> for Value {
    fn from(int: Option<i64>) -> Self {
        int.map_or(Value::NullInt, Value::Int)
    }
}

/// Rows for one table, written with `suffix` (an `on conflict …` clause, or nothing).
pub struct Rows {
    table: &'static str,
    columns: &'static [&'static str],
    suffix: &'static str,
    rows: Vec<Vec<Value>>,
}

/// Bound values per statement: under SQLite's and PostgreSQL's limits.
const MAX_VALUES: usize = 30_000;

impl Rows {
    pub fn new(
        table: &'static str,
        columns: &'static [&'static str],
        suffix: &'static str,
    ) -> Self {
        Rows {
            table,
            columns,
            suffix,
            rows: Vec::new(),
        }
    }

    pub fn push(&mut self, row: Vec<Value>) {
        debug_assert_eq!(row.len(), self.columns.len());
        self.rows.push(row);
    }

    pub async fn write(&self, tx: &mut Tx) -> Result<u64, sqlx::Error> {
        let per_statement = (MAX_VALUES / self.columns.len()).max(1);
        let mut written = 0;
        for chunk in self.rows.chunks(per_statement) {
            let sql = self.statement(chunk.len(), Marks::of(tx));
            let query = sqlx::query_with(&sql, arguments(chunk)?);
            written += query.execute(&mut **tx).await?.rows_affected();
        }
        Ok(written)
    }

    /// Runs `query` with these rows as a table named after this `Rows`' table, of its
    /// columns (`with t (columns) as (values …) query`), returning the one text column
    /// the query selects.
    pub async fn select_text(&self, tx: &mut Tx, query: &str) -> Result<Vec<String>, sqlx::Error> {
        let per_statement = (MAX_VALUES / self.columns.len()).max(1);
        let mut selected = Vec::new();
        for chunk in self.rows.chunks(per_statement) {
            let mut sql = format!(
                "with {} ({}) as (values ",
                self.table,
                self.columns.join(", ")
            );
            self.push_values(&mut sql, chunk.len(), Marks::of(tx));
            sql.push_str(") ");
            sql.push_str(query);
            let query = sqlx::query_as_with::<_, (String,), _>(&sql, arguments(chunk)?);
            selected.extend(query.fetch_all(&mut **tx).await?.into_iter().map(|(v,)| v));
        }
        Ok(selected)
    }

    fn statement(&self, rows: usize, marks: Marks) -> String {
        let mut sql = format!(
            "insert into {} ({}) values ",
            self.table,
            self.columns.join(", ")
        );
        self.push_values(&mut sql, rows, marks);
        if !self.suffix.is_empty() {
            sql.push(' ');
            sql.push_str(self.suffix);
        }
        sql
    }

    /// `(?, ?), (?, ?)`: `rows` rows of parameters, one per column.
    fn push_values(&self, sql: &mut String, rows: usize, marks: Marks) {
        let width = self.columns.len();
        for row in 0..rows {
            if row > 0 {
                sql.push_str(", ");
            }
            sql.push('(');
            for column in 0..width {
                if column > 0 {
                    sql.push_str(", ");
                }
                match marks {
                    Marks::Numbered => sql.push_str(&format!("${}", row * width + column + 1)),
                    Marks::Positional => sql.push('?'),
                }
            }
            sql.push(')');
        }
    }
}

/// How a statement marks its parameters. SQLite reads `$1` as a *name*: preparing and
/// binding a statement look every name up in a list, so a statement of thousands of
/// `$n` costs the square of their number (a batch of events spent 85% of its time
/// there). Plain `?` binds by position. PostgreSQL wants `$n`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Marks {
    Numbered,
    Positional,
}

impl Marks {
    fn of(tx: &Tx) -> Marks {
        match tx.backend_name() {
            "SQLite" => Marks::Positional,
            _ => Marks::Numbered,
        }
    }
}

fn arguments(rows: &[Vec<Value>]) -> Result<AnyArguments<'_>, sqlx::Error> {
    let mut arguments = AnyArguments::default();
    for value in rows.iter().flatten() {
        match value {
            Value::Text(text) => arguments.add(text.as_str()),
            Value::Int(int) => arguments.add(*int),
            Value::NullText => arguments.add(None::<String>),
            Value::NullInt => arguments.add(None::<i64>),
        }
        .map_err(sqlx::Error::Encode)?;
    }
    Ok(arguments)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_run_on_across_rows() {
        let rows = Rows::new("t", &["a", "b"], "on conflict do nothing");
        assert_eq!(
            rows.statement(2, Marks::Numbered),
            "insert into t (a, b) values ($1, $2), ($3, $4) on conflict do nothing"
        );
        assert_eq!(
            rows.statement(1, Marks::Positional),
            "insert into t (a, b) values (?, ?) on conflict do nothing"
        );
    }
}
