//! SCIM filters (RFC 7644 §3.4.2.2), the part directories send: comparisons with `eq`,
//! `ne`, `co`, `sw`, `ew` and `pr`, joined by `and` and `or`, grouped by parentheses.
//! A filter is parsed into a tree, then written as SQL with its values bound, never
//! spliced into the query.

use super::Problem;
use sqlx::{Postgres, QueryBuilder};

#[derive(Debug, Clone, PartialEq)]
pub enum Filter {
    And(Box<Filter>, Box<Filter>),
    Or(Box<Filter>, Box<Filter>),
    Compare {
        attribute: String,
        op: Op,
        value: Value,
    },
    Present(String),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Eq,
    Ne,
    Co,
    Sw,
    Ew,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Text(String),
    Bool(bool),
    Null,
}

/// How an attribute is stored: the SQL expression, and how it compares.
#[derive(Debug, Clone, Copy)]
pub enum Column {
    /// Text compared without regard to case (`userName`, `displayName`).
    Text(&'static str),
    /// Text compared exactly (`externalId`, `id`).
    Exact(&'static str),
    Bool(&'static str),
}

/// Parses a filter; an error names what was not understood (`invalidFilter`).
pub fn parse(text: &str) -> Result<Filter, Problem> {
    let tokens = lex(text)?;
    let mut parser = Parser { tokens, at: 0 };
    let filter = parser.or()?;
    match parser.tokens.get(parser.at) {
        None => Ok(filter),
        Some(token) => Err(invalid(format!(
            "unexpected {} after the filter",
            token.shown()
        ))),
    }
}

/// Writes the filter as a SQL condition, mapping each attribute with `column` (which
/// answers `None` for an attribute it does not know).
pub fn push_sql(
    filter: &Filter,
    query: &mut QueryBuilder<'_, Postgres>,
    column: &dyn Fn(&str) -> Option<Column>,
) -> Result<(), Problem> {
    let known = |attribute: &str| {
        column(&attribute.to_ascii_lowercase())
            .ok_or_else(|| invalid(format!("cannot filter on {attribute}")))
    };
    match filter {
        Filter::And(a, b) | Filter::Or(a, b) => {
            query.push("(");
            push_sql(a, query, column)?;
            query.push(if matches!(filter, Filter::And(..)) {
                " AND "
            } else {
                " OR "
            });
            push_sql(b, query, column)?;
            query.push(")");
        }
        Filter::Present(attribute) => {
            let expr = match known(attribute)? {
                Column::Text(e) | Column::Exact(e) => format!("coalesce({e}, '') <> ''"),
                Column::Bool(e) => format!("{e} IS NOT NULL"),
            };
            query.push(expr);
        }
        Filter::Compare {
            attribute,
            op,
            value,
        } => match (known(attribute)?, value) {
            (Column::Bool(e), Value::Bool(b)) if matches!(op, Op::Eq | Op::Ne) => {
                query.push(format!("{e} {} ", if *op == Op::Eq { "=" } else { "<>" }));
                query.push_bind(*b);
            }
            (Column::Text(e) | Column::Exact(e), Value::Null) if matches!(op, Op::Eq | Op::Ne) => {
                query.push(format!(
                    "{e} IS {}NULL",
                    if *op == Op::Eq { "" } else { "NOT " }
                ));
            }
            (column @ (Column::Text(_) | Column::Exact(_)), Value::Text(text)) => {
                let (e, fold) = match column {
                    Column::Text(e) => (format!("lower({e})"), true),
                    Column::Exact(e) | Column::Bool(e) => (e.to_owned(), false),
                };
                let text = if fold {
                    text.to_lowercase()
                } else {
                    text.clone()
                };
                let like = |pattern: String| (pattern, " LIKE ");
                let (operand, operator) = match op {
                    Op::Eq => (text, " = "),
                    Op::Ne => (text, " IS DISTINCT FROM "),
                    Op::Co => like(format!("%{}%", escape_like(&text))),
                    Op::Sw => like(format!("{}%", escape_like(&text))),
                    Op::Ew => like(format!("%{}", escape_like(&text))),
                };
                query.push(format!("{e}{operator}"));
                query.push_bind(operand);
            }
            _ => {
                return Err(invalid(format!(
                    "{attribute} cannot be compared that way with that value"
                )))
            }
        },
    }
    Ok(())
}

/// `%`, `_` and `\` stand for themselves in a LIKE pattern.
fn escape_like(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

fn invalid(detail: String) -> Problem {
    Problem::bad_request(
        "invalidFilter",
        format!("The filter is not valid: {detail}."),
    )
}

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Word(String),
    Text(String),
    Open,
    Close,
}

impl Token {
    fn shown(&self) -> String {
        match self {
            Token::Word(w) => format!("“{w}”"),
            Token::Text(t) => format!("\"{t}\""),
            Token::Open => "“(”".into(),
            Token::Close => "“)”".into(),
        }
    }
}

fn lex(text: &str) -> Result<Vec<Token>, Problem> {
    let mut tokens = Vec::new();
    let mut chars = text.char_indices().peekable();
    while let Some(&(start, c)) = chars.peek() {
        match c {
            c if c.is_whitespace() => {
                chars.next();
            }
            '(' => {
                chars.next();
                tokens.push(Token::Open);
            }
            ')' => {
                chars.next();
                tokens.push(Token::Close);
            }
            '"' => {
                // A JSON string: find its closing quote, then let JSON read the escapes.
                chars.next();
                let mut end = None;
                let mut escaped = false;
                for (i, c) in chars.by_ref() {
                    match (escaped, c) {
                        (true, _) => escaped = false,
                        (false, '\\') => escaped = true,
                        (false, '"') => {
                            end = Some(i);
                            break;
                        }
                        _ => {}
                    }
                }
                let end = end.ok_or_else(|| invalid("a string is not closed".into()))?;
                let value: String = serde_json::from_str(&text[start..=end])
                    .map_err(|_| invalid("a string has a bad escape".into()))?;
                tokens.push(Token::Text(value));
            }
            _ => {
                let mut end = text.len();
                while let Some(&(i, c)) = chars.peek() {
                    if c.is_whitespace() || c == '(' || c == ')' || c == '"' {
                        end = i;
                        break;
                    }
                    chars.next();
                }
                tokens.push(Token::Word(text[start..end].to_owned()));
            }
        }
    }
    Ok(tokens)
}

struct Parser {
    tokens: Vec<Token>,
    at: usize,
}

impl Parser {
    fn next(&mut self) -> Option<Token> {
        let token = self.tokens.get(self.at).cloned();
        self.at += 1;
        token
    }

    fn keyword(&self, word: &str) -> bool {
        matches!(self.tokens.get(self.at), Some(Token::Word(w)) if w.eq_ignore_ascii_case(word))
    }

    fn or(&mut self) -> Result<Filter, Problem> {
        let mut left = self.and()?;
        while self.keyword("or") {
            self.at += 1;
            left = Filter::Or(Box::new(left), Box::new(self.and()?));
        }
        Ok(left)
    }

    fn and(&mut self) -> Result<Filter, Problem> {
        let mut left = self.term()?;
        while self.keyword("and") {
            self.at += 1;
            left = Filter::And(Box::new(left), Box::new(self.term()?));
        }
        Ok(left)
    }

    fn term(&mut self) -> Result<Filter, Problem> {
        match self.next() {
            Some(Token::Open) => {
                let inner = self.or()?;
                match self.next() {
                    Some(Token::Close) => Ok(inner),
                    _ => Err(invalid("a “(” is not closed".into())),
                }
            }
            Some(Token::Word(w)) if w.eq_ignore_ascii_case("not") => {
                Err(invalid("“not” is not supported".into()))
            }
            Some(Token::Word(attribute)) if is_attribute_path(&attribute) => {
                let op = match self.next() {
                    Some(Token::Word(op)) => op.to_ascii_lowercase(),
                    _ => return Err(invalid(format!("{attribute} needs an operator"))),
                };
                let op = match op.as_str() {
                    "pr" => return Ok(Filter::Present(attribute)),
                    "eq" => Op::Eq,
                    "ne" => Op::Ne,
                    "co" => Op::Co,
                    "sw" => Op::Sw,
                    "ew" => Op::Ew,
                    other => {
                        return Err(invalid(format!(
                        "the operator “{other}” is not supported (eq, ne, co, sw, ew and pr are)"
                    )))
                    }
                };
                let value = match self.next() {
                    Some(Token::Text(t)) => Value::Text(t),
                    Some(Token::Word(w)) if w == "true" => Value::Bool(true),
                    Some(Token::Word(w)) if w == "false" => Value::Bool(false),
                    Some(Token::Word(w)) if w == "null" => Value::Null,
                    _ => return Err(invalid(format!("{attribute} {op:?} needs a value"))),
                };
                Ok(Filter::Compare {
                    attribute,
                    op,
                    value,
                })
            }
            Some(token) => Err(invalid(format!(
                "expected an attribute, not {}",
                token.shown()
            ))),
            None => Err(invalid("it ends too soon".into())),
        }
    }
}

/// `userName`, `name.givenName`, `emails.value`, or a schema URN followed by `:` and one.
fn is_attribute_path(word: &str) -> bool {
    word.starts_with(|c: char| c.is_ascii_alphabetic())
        && word
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | ':' | '_' | '-' | '$'))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(attribute: &str, op: Op, value: &str) -> Filter {
        Filter::Compare {
            attribute: attribute.into(),
            op,
            value: Value::Text(value.into()),
        }
    }

    #[test]
    fn reads_what_directories_send() {
        assert_eq!(
            parse(r#"userName eq "bjensen@example.com""#).unwrap(),
            text("userName", Op::Eq, "bjensen@example.com")
        );
        assert_eq!(
            parse(r#"userName Eq "a\"b" and (active eq true or displayName sw "B")"#).unwrap(),
            Filter::And(
                Box::new(text("userName", Op::Eq, "a\"b")),
                Box::new(Filter::Or(
                    Box::new(Filter::Compare {
                        attribute: "active".into(),
                        op: Op::Eq,
                        value: Value::Bool(true)
                    }),
                    Box::new(text("displayName", Op::Sw, "B")),
                ))
            )
        );
        assert_eq!(
            parse("externalId pr").unwrap(),
            Filter::Present("externalId".into())
        );
    }

    #[test]
    fn says_what_it_did_not_understand() {
        for (filter, says) in [
            (r#"userName gt "a""#, "“gt” is not supported"),
            (r#"userName eq "a"#, "not closed"),
            (r#"(userName eq "a""#, "“(” is not closed"),
            (r#"userName eq "a" extra"#, "unexpected “extra”"),
            ("userName eq", "needs a value"),
            (r#"not (userName eq "a")"#, "“not” is not supported"),
            ("", "ends too soon"),
        ] {
            let problem = parse(filter).unwrap_err();
            assert_eq!(problem.scim_type, Some("invalidFilter"));
            assert!(
                problem.detail.contains(says),
                "{filter}: {}",
                problem.detail
            );
        }
    }

    #[test]
    fn writes_sql_with_bound_values() {
        let column = |a: &str| match a {
            "username" => Some(Column::Text("u.email")),
            "externalid" => Some(Column::Exact("u.external_id")),
            "active" => Some(Column::Bool("u.active")),
            _ => None,
        };
        let mut query = QueryBuilder::new("");
        let filter = parse(r#"userName co "50%" and active eq false or externalId pr"#).unwrap();
        push_sql(&filter, &mut query, &column).unwrap();
        assert_eq!(
            query.sql(),
            "((lower(u.email) LIKE $1 AND u.active = $2) OR coalesce(u.external_id, '') <> '')"
        );
        let mut query = QueryBuilder::new("");
        let unknown = push_sql(&parse(r#"title eq "x""#).unwrap(), &mut query, &column);
        assert!(unknown
            .unwrap_err()
            .detail
            .contains("cannot filter on title"));
        let mut query = QueryBuilder::new("");
        let wrong = push_sql(&parse("active co true").unwrap(), &mut query, &column);
        assert!(wrong.is_err());
    }
}
