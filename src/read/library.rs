//! Indicator libraries a county keeps in a folder of its own (`--indicators
//! DIR`) and the bundled ones: read and parsed here.

use crate::model::library::Library;
use std::path::Path;

/// The bundled libraries, in matching order (通用 last).
const BUNDLED: &[&str] = &[
    include_str!("../../templates/indicators/01-养殖棚舍.toml"),
    include_str!("../../templates/indicators/02-到户产业补助.toml"),
    include_str!("../../templates/indicators/03-道路.toml"),
    include_str!("../../templates/indicators/04-边沟路灯饮水.toml"),
    include_str!("../../templates/indicators/05-雨露计划.toml"),
    include_str!("../../templates/indicators/06-务工交通补助.toml"),
    include_str!("../../templates/indicators/07-村庄规划.toml"),
    include_str!("../../templates/indicators/99-通用.toml"),
];

pub fn bundled() -> Vec<Library> {
    BUNDLED
        .iter()
        .map(|t| parse_library("（内置）", t).expect("bundled indicator library parses"))
        .collect()
}

/// One library from the text of its TOML file; `name` (the file) is for
/// the message.
pub fn parse_library(name: &str, text: &str) -> Result<Library, String> {
    toml::from_str(text).map_err(|e| {
        format!(
            "指标库 {name} 格式有误：{}",
            e.to_string().lines().next().unwrap_or_default()
        )
    })
}

/// Libraries from a folder of TOML files, sorted by file name (the last is
/// the fallback, as 通用 is in the bundled set).
pub fn load_dir(dir: &Path) -> Result<Vec<Library>, String> {
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .map_err(|e| {
            let (f, sentence) = crate::output::io_kind(&e);
            f.fatal(format!(
                "无法读取指标库文件夹 {}：{sentence}（系统信息：{e}）",
                dir.display()
            ))
        })?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    files.sort();
    if files.is_empty() {
        return Err(crate::model::Finding::EmptyLibrary.fatal(format!(
            "指标库文件夹 {} 中没有 .toml 指标库文件；请放入指标库，或去掉 --indicators 使用内置指标库",
            dir.display()
        )));
    }
    files
        .iter()
        .map(|p| {
            let text = crate::read::mapping::read_text(p, "指标库")?;
            parse_library(&p.display().to_string(), &text)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_library_that_does_not_parse_is_named_in_the_message() {
        let e = parse_library("县/道路.toml", "name = \"道路\"\nkeywords = 3\n").unwrap_err();
        assert!(e.starts_with("指标库 县/道路.toml 格式有误："), "{e}");
        assert!(!e.contains('\n'), "one line: {e}");
    }

    fn scratch(tag: &str) -> std::path::PathBuf {
        let d = std::env::temp_dir().join(format!("jixiao-lib-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        d
    }

    #[test]
    fn a_folder_is_read_in_file_name_order_and_a_bad_file_is_named() {
        let dir = scratch("ok");
        let lib = |name: &str| {
            format!(
                "name = \"{name}\"\nkeywords = []\n\n[[indicator]]\nlevel1 = \"产出指标\"\nlevel2 = \"数量指标\"\nname = \"x\"\ntarget = \"≥1个\"\n"
            )
        };
        std::fs::write(dir.join("2-b.toml"), lib("乙")).unwrap();
        std::fs::write(dir.join("1-a.toml"), lib("甲")).unwrap();
        std::fs::write(dir.join("notes.txt"), "not a library").unwrap();
        let libs = load_dir(&dir).unwrap();
        assert_eq!(
            libs.iter().map(|l| l.name.as_str()).collect::<Vec<_>>(),
            ["甲", "乙"]
        );
        std::fs::write(dir.join("3-bad.toml"), "name = ").unwrap();
        let e = load_dir(&dir).unwrap_err();
        assert!(
            e.starts_with("指标库 ") && e.contains("3-bad.toml 格式有误："),
            "{e}"
        );
        std::fs::remove_dir_all(&dir).unwrap();
        let e = load_dir(&dir).unwrap_err();
        assert!(e.starts_with("R100：无法读取指标库文件夹 "), "{e}");
    }
}
