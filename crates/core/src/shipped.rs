//! The shipped scenarios (`scenarios/*.toml` of the workspace), embedded
//! with `include_str!` so that the CLI, the Python module and the browser
//! build can use them by name without the files.

/// One shipped scenario: its name (the file name without `.toml`) and text
/// (serialized as both, e.g. for the web app's preset list).
#[derive(Debug, Clone, Copy, serde::Serialize)]
pub struct Shipped {
    /// Name, e.g. `acute`.
    pub name: &'static str,
    /// The TOML text of `scenarios/<name>.toml`.
    pub toml: &'static str,
}

impl Shipped {
    /// Label used in messages and manifests.
    pub fn label(&self) -> String {
        format!("<shipped scenario {}>", self.name)
    }

    /// The scenario's `description` line (empty if it has none).
    pub fn description(&self) -> String {
        self.toml
            .parse::<toml::Table>()
            .ok()
            .and_then(|t| {
                t.get("description")
                    .and_then(|d| d.as_str().map(str::to_string))
            })
            .unwrap_or_default()
    }
}

macro_rules! shipped {
    ($name:literal) => {
        Shipped {
            name: $name,
            toml: include_str!(concat!("../../../scenarios/", $name, ".toml")),
        }
    };
}

/// Every file of `scenarios/`, in name order.
pub const SHIPPED: &[Shipped] = &[
    shipped!("acute"),
    shipped!("default"),
    shipped!("dfu-3d"),
    shipped!("dfu-3d-fibrin-spray-bm"),
    shipped!("dfu-3d-hydrogel-bm"),
    shipped!("dfu-3d-intralesional-bm"),
    shipped!("dfu-3d-intravenous-bm"),
    shipped!("dfu-3d-perilesional-bm"),
    shipped!("dfu-3d-scaffold-bm"),
    shipped!("dfu-3d-standard-care"),
    shipped!("dfu-3d-topical-bm"),
    shipped!("dfu-adipose-single"),
    shipped!("dfu-adipose-weekly"),
    shipped!("dfu-aggregates"),
    shipped!("dfu-conditioned-medium"),
    shipped!("dfu-fibrin-spray-bm"),
    shipped!("dfu-hydrogel-bm"),
    shipped!("dfu-hypoxic-uc-hydrogel"),
    shipped!("dfu-intralesional-bm"),
    shipped!("dfu-intravenous-bm"),
    shipped!("dfu-perilesional-bm"),
    shipped!("dfu-precondition-deferoxamine"),
    shipped!("dfu-precondition-dmog"),
    shipped!("dfu-precondition-hypoxia"),
    shipped!("dfu-precondition-ifn-gamma"),
    shipped!("dfu-precondition-three-d-culture"),
    shipped!("dfu-precondition-tnf-alpha"),
    shipped!("dfu-scaffold-bm"),
    shipped!("dfu-standard-care"),
    shipped!("dfu-topical-bm"),
    shipped!("dfu-uc-exosomes-weekly"),
    shipped!("dfu-vegf-engineered"),
    shipped!("pressure-ulcer-standard-care"),
    shipped!("radiation-ulcer-repeated-adipose"),
    shipped!("radiation-ulcer-standard-care"),
    shipped!("vlu-standard-care"),
];

/// The shipped scenario called `name` (with or without `.toml`), if any.
pub fn find(name: &str) -> Option<Shipped> {
    let name = name.strip_suffix(".toml").unwrap_or(name);
    SHIPPED.iter().find(|s| s.name == name).copied()
}

/// The names of every shipped scenario, in name order.
pub fn names() -> Vec<&'static str> {
    SHIPPED.iter().map(|s| s.name).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_is_every_file_of_scenarios_in_name_order() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../scenarios");
        let mut files: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|x| x == "toml"))
            .map(|p| p.file_stem().unwrap().to_string_lossy().into_owned())
            .collect();
        files.sort();
        assert_eq!(names(), files);
        for s in SHIPPED {
            let on_disk = std::fs::read_to_string(format!("{dir}/{}.toml", s.name)).unwrap();
            assert_eq!(s.toml, on_disk, "{}", s.name);
        }
    }

    #[test]
    fn find_takes_a_name_with_or_without_toml() {
        assert_eq!(find("acute").map(|s| s.name), Some("acute"));
        assert_eq!(find("acute.toml").map(|s| s.name), Some("acute"));
        assert!(find("no-such-scenario").is_none());
        assert!(!find("dfu-standard-care").unwrap().description().is_empty());
    }
}
