//! Which conference and division each club plays in, from the nflverse team table shipped in the
//! binary (`data/teams.csv`). The table lists relocated franchises under their old codes too
//! (OAK, SD, STL), so a season's own codes resolve without renaming; the alignment has not
//! changed since 2002, the first season this module is asked about.

use std::collections::HashMap;

const TEAMS_CSV: &str = include_str!("../../../data/teams.csv");

/// Conference and division names by team code.
#[derive(Debug, Clone)]
pub struct League {
    by_code: HashMap<String, (String, String)>,
}

impl League {
    /// The table compiled from `data/teams.csv`.
    pub fn embedded() -> League {
        // The shipped file is fixed at build time; the unit test below proves it parses.
        League::from_csv(TEAMS_CSV).unwrap_or_else(|_| League {
            by_code: HashMap::new(),
        })
    }

    /// Reads `team_abbr`, `team_conf` and `team_division` columns by name.
    pub fn from_csv(text: &str) -> Result<League, String> {
        let mut rdr = csv::ReaderBuilder::new()
            .trim(csv::Trim::All)
            .from_reader(text.as_bytes());
        let headers = rdr.headers().map_err(|e| e.to_string())?.clone();
        let col = |name: &str| {
            headers
                .iter()
                .position(|h| h == name)
                .ok_or_else(|| format!("teams table has no `{name}` column"))
        };
        let (abbr, conf, div) = (col("team_abbr")?, col("team_conf")?, col("team_division")?);
        let mut by_code = HashMap::new();
        for (i, row) in rdr.records().enumerate() {
            let row = row.map_err(|e| format!("teams table line {}: {e}", i + 2))?;
            let field = |c: usize| row.get(c).unwrap_or("").to_string();
            by_code.insert(field(abbr), (field(conf), field(div)));
        }
        Ok(League { by_code })
    }

    /// (conference, division) of a team code, e.g. `("AFC", "AFC West")`.
    pub fn of(&self, code: &str) -> Option<(&str, &str)> {
        self.by_code
            .get(code)
            .map(|(c, d)| (c.as_str(), d.as_str()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shipped_table_knows_old_and_new_codes() {
        let l = League::from_csv(TEAMS_CSV).unwrap();
        assert_eq!(l.of("SD"), Some(("AFC", "AFC West")));
        assert_eq!(l.of("LV"), Some(("AFC", "AFC West")));
        assert_eq!(l.of("STL"), Some(("NFC", "NFC West")));
        assert_eq!(l.of("HOU"), Some(("AFC", "AFC South")));
        assert_eq!(l.of("XXX"), None);
    }

    #[test]
    fn missing_column_is_named() {
        let e = League::from_csv("team_abbr,team_conf\nKC,AFC\n").unwrap_err();
        assert!(e.contains("team_division"), "{e}");
    }
}
