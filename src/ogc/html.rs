//! Plain, readable HTML pages for the OGC API, linking to the map page. Every value from the
//! data is escaped.

use serde_json::Value;

use super::collections::OgcCollection;

/// Escapes text for HTML content and attribute values.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for ch in s.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

fn page(title: &str, body: &str) -> String {
    format!(
        r#"<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{t} · plotline</title>
<style>
body {{ font: 15px/1.5 system-ui, sans-serif; margin: 0 auto; max-width: 72rem; padding: 1rem; color: #1d2a33; }}
nav a {{ margin-right: 1rem; }}
table {{ border-collapse: collapse; width: 100%; margin: 1rem 0; }}
th, td {{ text-align: left; border-bottom: 1px solid #d5dde2; padding: .3rem .5rem; vertical-align: top; }}
th {{ background: #eef2f4; }}
code {{ background: #eef2f4; padding: 0 .2rem; }}
a {{ color: #0b5cad; }}
</style>
</head>
<body>
<nav><a href="/">Map</a><a href="/?f=html">API home</a><a href="/collections?f=html">Collections</a><a href="/api?f=html">API definition</a><a href="/conformance?f=html">Conformance</a></nav>
<h1>{t}</h1>
{body}
</body>
</html>
"#,
        t = escape(title)
    )
}

fn links(v: &Value) -> String {
    let items: String = v["links"]
        .as_array()
        .map(|links| {
            links
                .iter()
                .map(|l| {
                    format!(
                        "<li><a href=\"{}\">{}</a> <small>({}, {})</small></li>",
                        escape(&text(&l["href"])),
                        escape(&text(l.get("title").unwrap_or(&l["rel"]))),
                        escape(&text(&l["rel"])),
                        escape(&text(&l["type"]))
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    format!("<ul>{items}</ul>")
}

pub fn landing(v: &Value) -> String {
    page(
        &text(&v["title"]),
        &format!("<p>{}</p>{}", escape(&text(&v["description"])), links(v)),
    )
}

pub fn list_page(title: &str, items: &[&str]) -> String {
    let li: String = items
        .iter()
        .map(|i| format!("<li><code>{}</code></li>", escape(i)))
        .collect();
    page(title, &format!("<ul>{li}</ul>"))
}

pub fn collections(v: &Value) -> String {
    let rows: String = v["collections"]
        .as_array()
        .map(|cs| {
            cs.iter()
                .map(|c| {
                    let id = escape(&text(&c["id"]));
                    format!(
                        "<tr><td><a href=\"/collections/{id}?f=html\">{}</a></td><td>{}</td><td><a href=\"/collections/{id}/items?f=html\">features</a></td></tr>",
                        escape(&text(&c["title"])),
                        escape(&text(&c["description"]))
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    page(
        "Collections",
        &format!("<table><tr><th>Collection</th><th>Description</th><th></th></tr>{rows}</table>"),
    )
}

pub fn collection(v: &Value) -> String {
    let bbox = text(&v["extent"]["spatial"]["bbox"][0]);
    page(
        &text(&v["title"]),
        &format!(
            "<p>{}</p><p>Extent (CRS84): <code>{}</code></p><p>Storage CRS: <code>{}</code></p>{}",
            escape(&text(&v["description"])),
            escape(&bbox),
            escape(&text(&v["storageCrs"])),
            links(v)
        ),
    )
}

/// A JSON document shown as a page: its title and the document, formatted.
pub fn json_page(title: &str, v: &Value) -> String {
    page(
        title,
        &format!(
            "<pre>{}</pre>{}",
            escape(&serde_json::to_string_pretty(v).unwrap_or_default()),
            links(v)
        ),
    )
}

pub fn queryables(title: &str, v: &Value) -> String {
    let rows: String = v["properties"]
        .as_object()
        .map(|props| {
            props
                .iter()
                .map(|(name, schema)| {
                    format!(
                        "<tr><td><code>{}</code></td><td>{}</td></tr>",
                        escape(name),
                        escape(&schema.to_string())
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    page(
        &format!("Queryables of {title}"),
        &format!("<table><tr><th>Property</th><th>Schema</th></tr>{rows}</table>"),
    )
}

fn property_table(props: &Value) -> String {
    let rows: String = props
        .as_object()
        .map(|p| {
            p.iter()
                .map(|(k, v)| {
                    format!(
                        "<tr><th>{}</th><td>{}</td></tr>",
                        escape(k),
                        escape(&text(v))
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    format!("<table>{rows}</table>")
}

pub fn items(c: &OgcCollection, head: &Value, features: &[Value]) -> String {
    let columns: Vec<&str> = c.property_names().take(6).collect();
    let header: String = columns
        .iter()
        .map(|n| format!("<th>{}</th>", escape(n)))
        .collect();
    let rows: String = features
        .iter()
        .map(|f| {
            let id = escape(&text(&f["id"]));
            let cells: String = columns
                .iter()
                .map(|n| format!("<td>{}</td>", escape(&text(&f["properties"][*n]))))
                .collect();
            format!(
                "<tr><td><a href=\"/collections/{}/items/{id}?f=html\">{id}</a></td>{cells}</tr>",
                c.id
            )
        })
        .collect();
    let nav: String = head["links"]
        .as_array()
        .map(|ls| {
            ls.iter()
                .filter(|l| l["rel"] == "next" || l["rel"] == "prev")
                .map(|l| {
                    // Page links of the HTML page stay HTML.
                    let href = text(&l["href"]).replace("f=json", "f=html");
                    format!(
                        "<a href=\"{}\">{}</a> ",
                        escape(&href),
                        escape(&text(&l["rel"]))
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    page(
        &format!("{} – features", c.title),
        &format!(
            "<p>{} of {} features. <a href=\"/\">Show them on the map</a>.</p><table><tr><th>id</th>{header}</tr>{rows}</table><p>{nav}</p>",
            escape(&text(&head["numberReturned"])),
            escape(&text(&head["numberMatched"]))
        ),
    )
}

pub fn item(c: &OgcCollection, feature: &Value) -> String {
    page(
        &format!("{} {}", c.title, text(&feature["id"])),
        &format!(
            "{}<p>Geometry ({}): <code>{}</code></p>{}",
            property_table(&feature["properties"]),
            escape(c.geometry_type),
            escape(&text(&feature["geometry"]["type"])),
            links(feature)
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup() {
        assert_eq!(escape("<script>\"&'"), "&lt;script&gt;&quot;&amp;&#39;");
    }
}
