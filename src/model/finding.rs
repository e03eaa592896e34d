//! Every finding jixiao reports, in one catalogue: a stable code, its
//! severity, what it means and how to fix it, with one example. Problems
//! carry their finding (`code` in JSON beside `message`); fatal messages
//! (exit 2) start with their code: `错误 R101：…`. `docs/errors.md` is
//! generated from this table (`jixiao::model::finding::markdown`), and
//! `tests/errors_catalogue.rs` reproduces each example.
//!
//! Codes never change meaning once given; new findings get new codes.
//! R0xx: a finding in the data (错误 leaves a row out, 提示 is a note);
//! R1xx: fatal (exit 2, nothing written).

use serde::Serialize;

/// How a finding affects a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    /// 错误: a row left out of the sums, or a figure of the ledger (合计,
    /// 累计, 执行率) that disagrees with the one computed (exit 1).
    Error,
    /// 提示: a note (exit 0).
    Warning,
    /// 致命: the run stops, nothing is written (exit 2).
    Fatal,
}

impl Level {
    pub fn label(self) -> &'static str {
        match self {
            Level::Error => "错误",
            Level::Warning => "提示",
            Level::Fatal => "致命（退出状态 2）",
        }
    }
}

/// One entry of the catalogue.
pub struct Entry {
    pub finding: Finding,
    pub code: &'static str,
    pub level: Level,
    /// What it means.
    pub meaning: &'static str,
    /// How to fix it.
    pub fix: &'static str,
    /// A message as the user sees it (reproduced by a test).
    pub example: &'static str,
}

macro_rules! catalogue {
    ($( $variant:ident = $code:literal, $level:ident, $meaning:literal, $fix:literal, $example:literal; )*) => {
        /// A finding, by its stable code.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Finding { $( $variant, )* }

        pub const CATALOGUE: &[Entry] = &[
            $( Entry {
                finding: Finding::$variant,
                code: $code,
                level: Level::$level,
                meaning: $meaning,
                fix: $fix,
                example: $example,
            }, )*
        ];
    };
}

catalogue! {
    // ---- Findings in the data ----
    RowError = "R001", Error,
        "（已不再单独使用：每种行错误现有自己的代码，见 R027–R049）一行数据有误（缺必填项、不是数字、不是日期、为负数、重复编号等），该行未计入合计",
        "按消息中的单元格改正台账后重新运行",
        "项目!E4：预算金额“约5万”不是数字，该项目未计入合计";
    Note = "R002", Warning,
        "（已不再单独使用：每种提示现有自己的代码）提示：数据可以计算，但有值得核对之处（单位换算、按内容识别的表、晚于截止日期的拨付等）",
        "核对消息所指的单元格；确认无误可不处理",
        "未指定单位名称（--unit 或“说明”表的单位名称），暂用文件名“in”";
    ErrorCell = "R010", Error,
        "单元格是 Excel 错误值（#REF!、#N/A、#NAME?、#DIV/0!、#VALUE! 等），公式没有算出结果；该行未计入合计",
        "在 Excel 中改正该单元格的公式（引用的表或单元格被删除、名称拼错等），或直接填入数值后保存",
        "项目!A4：项目编号是 Excel 错误值“#REF!”（公式出错），该项目未计入合计；请改正公式或填入数值";
    MappedColumnMissing = "R011", Error,
        "映射文件指定的列名在表头中没有；该列改按内置列名自动识别",
        "把映射文件中这一行的列名改成表头中实际的写法（消息中列出了现有表头），或删去这一行",
        "映射文件 m.toml 第2行 结算金额 = \"审计结算数（万元）\"：工作表“项目”第1行的表头中没有“审计结算数”；现有表头：项目编号、项目名称、项目类别、资金性质、预算金额、结算金额、建设状态；该列已按内置列名读取 F 列。请把映射文件这一行改成表头中的写法，或删去这一行";
    LongNumber = "R012", Warning,
        "编号以数字保存且超过 15 位：Excel 只显示 15 位有效数字，表中看到的与单元格中存的不同",
        "把该列设为文本格式后重新输入编号（或在编号前加英文单引号 '）",
        "项目!A3：项目编号 2024220100000123 以数字保存，有 16 位；Excel 只显示 15 位有效数字（显示为 2024220100000120），已按单元格中的整数读取；请把该列设为文本格式";
    TextCut = "R013", Warning,
        "文字超过 Excel 单元格上限 32,767 字：报告的副本中只保留前 32,767 字，JSON 中为全文",
        "缩短该单元格的文字（长说明可放在另附的文档中）",
        "项目!B3：文字有 40000 字，超过 Excel 单元格上限 32767 字；报告中只保留前 32767 字（批注中注明），JSON 中为全文";
    TwoColumns = "R014", Warning,
        "表头中有两列都是同一项（如两列“预算金额（元）”）：只读了第一列",
        "删去或改名多余的一列；两列都要时用 --mapping 指定用哪一列",
        "工作表“项目”有两列“预算金额”（E1、H1）：使用了 E1 列，H1 列未读取；请删去或改名其中一列";
    Superseded = "R015", Warning,
        "同一单位有两份台账：截止日期较晚的一份计入（日期相同时取修改时间较新的文件），另一份不计入",
        "把旧的一份移出汇总文件夹；若两份确是不同单位，请改正“说明”表的单位名称",
        "单位“测试镇”有两份台账：截止日期较晚的一份计入，计入 乡镇/新.xlsx（截止 2024-12-31），乡镇/旧.xlsx（截止 2024-06-30）已被替代，未计入汇总；如两份确是不同单位，请改正“说明”表的单位名称";
    DuplicateReport = "R016", Error,
        "两个文件的单位、项目和金额完全相同，视为重复报送，只计一次",
        "删去其中一个文件",
        "与 乡镇/甲.xlsx 的单位、项目和金额完全相同，视为重复报送，未重复计入";
    FileSkipped = "R017", Error,
        "汇总时有文件未能读取，未计入汇总（其余照常汇总）",
        "按消息改正或另存该文件后重新汇总",
        "无法读取文件 乡镇/坏.xlsx：…，该文件未汇总";
    TotalDisagrees = "R020", Error,
        "台账自带的合计或小计行与读出的各行之和不符（按该单元格的精度比较）：可能有行读错、漏读，或台账的合计算错；合计/小计行本身不计入",
        "核对消息所指的合计单元格和其下（或其上）各行：改正读错的行，或改正台账的合计",
        "项目!E4：合计行的预算金额为 125 万元，而对应各行之和为 120 万元，相差 5 万元（合计行不计入）；可能有行读错或漏读，或台账的合计有误，请核对";
    MonthCumulativeDisagrees = "R021", Error,
        "某月的“累计”列与1月至该月各月拨付之和不符：可能有月份读错或漏读，或台账的累计算错；已拨付按各月计",
        "核对消息所指的累计单元格和同一行的各月金额",
        "项目!I3：2月累计 70 万元与1—2月各月之和 80 万元不符；已拨付按各月计，请核对";
    CumulativeDisagrees = "R022", Error,
        "“累计拨付”列与同一行各月拨付之和不符：可能有月份读错或漏读，或台账的累计算错；已拨付按各月之和计",
        "核对消息所指的累计单元格和同一行的各月金额",
        "项目!H3：累计 90 万元与各月拨付之和 80 万元不符（已拨付按各月之和计），请核对";
    RateDisagrees = "R023", Error,
        "台账的执行率（支出进度）与按读出的已拨付 ÷ 预算算得的不符（按该单元格写到的位数比较）：可能有拨付读错或漏读",
        "核对该项目的拨付和预算；台账的执行率算错时改正它",
        "项目!H2：台账的执行率为 12.34，而按读出的已拨付 80 万元 ÷ 预算 100 万元 算得 80%；可能有拨付读错或漏读，请核对";
    SectionCountDisagrees = "R024", Error,
        "分类标题写明的项目个数（如“（4个）”）与其下读出的项目行数不符：可能有行读错或漏读",
        "核对该分类下的各行；个数写错时改正分类标题",
        "项目!A2：分类标题“一、产业发展类项目（3个）”写明 3 个项目，其下读出 2 行项目；可能有行读错或漏读，请核对";
    UnitOverride = "R025", Warning,
        "表上方写了单位（如“单位：元”），个别列的表头另写了单位（如“结算金额（万元）”）：该列按表头的单位读，其余金额列按表上方的单位读",
        "确认该列确是表头所写的单位；不是时改正表头或表上方的单位",
        "项目!A1 写“单位：元”，而表头 项目!F2 写“万元”：该列按表头的万元读，其余金额列按元读；如不是这样，请改正其中一处";
    ProjectOverRows = "R026", Warning,
        "一个项目占了几行：编号（或名称）单元格纵向合并在这几行上，每行写一种资金；按一个项目读，预算为各行之和，并按各行的资金性质分列",
        "确认这几行确是同一个项目；不是时取消合并，每行写自己的编号",
        "项目!A3–A4：1 个项目各占几行（项目编号合并在这几行上），每行一种资金：按一个项目读，预算为各行之和、按各行的资金性质分列";
    RequiredBlank = "R027", Error,
        "必填项（项目编号、名称、类别、资金性质、预算金额；拨付的编号、日期、金额）为空，该行未计入合计",
        "在消息所指的单元格填上内容（合并单元格只有左上角一格有值时，请取消合并后逐行填写）",
        "项目!B3：项目名称为空，该项目未计入合计";
    NotANumber = "R028", Error,
        "金额单元格不是数字（如“约5万”“待定”），该行（或该笔、该月）未计入",
        "把该单元格改成数字（可带千分位和单位，如“2,150,000.00”“5万元”）",
        "项目!E3：预算金额“待定”不是数字，该项目未计入合计";
    AmountOutOfRange = "R029", Error,
        "金额大得不合理（超过可处理的范围），多半是单位或小数点写错，该行未计入",
        "核对该单元格的数和单位",
        "项目!E3：预算金额“1000000000000000”超出合理范围，该项目未计入合计";
    BadDate = "R030", Error,
        "日期无法确定：不是有效日期，或没写年份而台账也没有注明年度（含没有年份的月份列），该行（或该列）未计入",
        "把日期写成 2024-07-15、2024年7月15日 等形式，或在标题、说明表中注明年度",
        "拨付!B2：拨付日期“2024-13-45”不是有效日期，该笔拨付未计入合计";
    NegativeAmount = "R031", Error,
        "预算金额或结算金额为负数：预算为负的项目未计入合计，结算为负的按未结算处理",
        "改正该单元格；退款请写在拨付表中（负数拨付）",
        "项目!E3：预算金额 -20 为负数，该项目未计入合计";
    DuplicateId = "R032", Error,
        "项目编号（或作编号用的名称）与前面一行重复，该行未计入合计，拨付计入第一次出现的项目",
        "给重复的项目改用各自的编号；确是同一个项目分两行写时，把编号单元格合并在这几行上",
        "项目!A3：项目编号“P1”与 项目!A2 重复，该行未计入合计（拨付计入第一次出现的项目）";
    NoCategory = "R033", Error,
        "没有项目类别列，该行也不在任何分类标题行（如“一、产业发展类项目”）之下，无法确定项目类别，该项目未计入合计",
        "加一列“项目类别”，或在该行上方加分类标题行，或在映射文件中指定",
        "项目!A2：没有项目类别列，该行也不在任何分类标题行（如“一、产业发展类项目”）之下，无法确定项目类别，该项目未计入合计";
    NoFundSource = "R034", Error,
        "没有资金性质列，各资金来源的金额也都为空，标题也没写资金：无法确定资金性质，该项目未计入合计",
        "加一列“资金性质”，或在映射文件写 [defaults.项目] 资金性质 = \"衔接资金\"",
        "项目!D3：没有资金性质列，各资金来源的金额也都为空，无法确定资金性质（可在映射文件写 [defaults.项目] 资金性质 = \"衔接资金\"），该项目未计入合计";
    UnknownProject = "R035", Error,
        "拨付所属的项目在项目表中不存在（或该项目的数据有误），该笔拨付未计入",
        "核对拨付表的项目编号（或名称）与项目表是否一致；先改正该项目的错误",
        "拨付!A2：项目编号“P9”在项目表中不存在，该笔拨付未计入合计";
    AmbiguousName = "R036", Error,
        "拨付按项目名称对应项目，而该名称对应多个项目，无法确定拨付给哪个，该笔拨付未计入",
        "拨付表加一列项目编号，或给同名项目改用不同的名称",
        "拨付!A2：项目名称“道路”对应多个项目，无法确定拨付给哪个，该笔拨付未计入合计";
    OptionalDateIgnored = "R037", Warning,
        "开工日期、完工日期等可不填的日期不是有效日期，已忽略（不影响合计）",
        "把日期写成 2024-07-15、2024年7月15日 等形式",
        "项目!H2：开工日期“不详”不是有效日期，已忽略";
    TextNumbers = "R038", Warning,
        "金额列中有以文本保存的数字（带千分位、全角数字、末尾带单位等），已按数字读取",
        "无需处理；要在 Excel 中求和时，把这些单元格改为数字格式",
        "项目!E3：预算金额是以文本保存的数字，已按数字读取";
    LooksLikeYuan = "R039", Error,
        "金额列没有注明单位，按万元读取，但金额大得像是元（超过 10 万万元，即 10 亿元）：单位很可能读错了，金额会差一万倍；在注明单位之前，读出的数不可用",
        "在表头注明“（元）”、在表上方写“单位：元”，或用 --mapping 的 [units] 指定单位",
        "项目!E2：预算金额列未注明单位，按万元读取，但有金额达 1000000，看起来像是元；请在表头注明“（元）”、在表上方写“单位：元”，或用 --mapping 指定单位";
    DateFormRead = "R040", Warning,
        "日期只写到月（按当月最后一天计），或没写年份（取台账的年度）：已按规则读取，说一次",
        "确认规则合适；要精确到日时写完整日期",
        "拨付!B2：日期只写到月（如“2024年3月”“2024.3”“202403”），按当月最后一天计";
    IndicatorUnused = "R041", Warning,
        "绩效指标未使用：编号为空、项目不存在或有误，或绩效指标表读不了",
        "按消息补上编号、改正项目，或按消息改正绩效指标表的表头",
        "绩效指标!A2：项目编号“P9”在项目表中不存在（或该项目有误），该指标未使用";
    ValueIgnored = "R042", Warning,
        "说明表或绩效指标表中的一个值无法识别（年度、截止日期、分值等），按未填处理",
        "按消息改正该单元格",
        "说明!B2：年度“二〇二四”无法识别，已忽略";
    BudgetSplitDisagrees = "R043", Warning,
        "预算金额（合计列）与各资金来源列之和不符：预算按合计列计",
        "核对该行的合计列和各资金列",
        "项目!E2：预算金额 100 万元与各资金来源之和 60 万元不符";
    NoPayments = "R044", Warning,
        "工作簿没有拨付表，项目表也没有累计拨付或月份列：所有项目的已拨付按0计",
        "加一张拨付表（项目编号、拨付日期、拨付金额），或在项目表加累计拨付列",
        "工作簿中没有“拨付”工作表，项目表也没有累计拨付或月份列，所有项目的已拨付按0计";
    SheetRoles = "R045", Warning,
        "哪张工作表用作什么（按表名、别名、映射文件或表头内容识别），哪张没有用到（原样复制到报告中）",
        "核对所用的表是否正确；不对时用映射文件 [sheets] 指定",
        "工作表“Sheet3”未被使用，已原样复制到报告中";
    PaidFromTable = "R046", Warning,
        "已拨付怎样读：没有拨付表时按项目表的累计拨付列或月份列计（没有逐笔日期），或有拨付表时项目表的这些列只原样保留",
        "确认读法合适；要按截止日期筛选拨付，请提供逐笔的拨付表",
        "工作簿没有拨付表：已拨付按工作表“项目”的累计拨付列计，截至 2024-12-31（说明表）；没有逐笔日期，不能按截止日期筛选拨付，也没有逐月进度";
    StandIn = "R047", Warning,
        "缺一列时用了替代：没有项目编号列以项目名称作编号，没有资金性质时按映射文件或标题所写的资金计",
        "确认替代合适；需要时加上该列",
        "工作表“项目”没有“项目编号”列，以项目名称作为项目编号";
    RowsNotRead = "R048", Warning,
        "不是项目的行未读取：注释和落款行、合计下的“其中”行、重复的表头、映射文件指定跳过的行、示例行",
        "确认这些行确实不是项目；示例行请删除",
        "项目!A4：是注释或落款行（注、说明、公告期、监督电话、填表人等只有文字、没有金额的行），不是项目，未读取，已原样保留在报告中";
    ValueAsWritten = "R049", Warning,
        "项目类别、资金性质或建设状态不是标准写法，按原样保留（类别、资金各自单列一类）",
        "改成标准写法，或在映射文件 [categories] 中指定归入哪一类",
        "项目!G3：建设状态“筹备中”不是 未开工/在建/已完工/已结算，按原样保留";

    // ---- Fatal: nothing written ----
    Fatal = "R100", Fatal,
        "无法继续：文件打不开、缺少必填列、参数有误等；消息中写明文件、工作表和列",
        "按消息改正后重新运行",
        "错误 R100：文件 in.xlsx：工作表“项目”缺少必填列 “预算金额”（在第1行表头中未找到；…）";
    OutputExists = "R101", Fatal,
        "输出文件已存在；不加 --force 时 jixiao 从不覆盖",
        "换一个输出路径（-o），或确认可以覆盖后加 --force",
        "错误 R101：输出文件 乡镇台账/00000-城关镇.xlsx 已存在；如要覆盖请加 --force";
    NameTooLong = "R102", Fatal,
        "输出文件名超过文件系统的上限（一般为 255 字节，一个汉字占 3 字节）",
        "缩短输入文件名，或用 -o / --forms 指定较短的输出文件名",
        "错误 R102：文件名过长：请缩短文件名或用 -o 指定较短的输出文件名；绩效表工作簿 台台…ab-绩效表.xlsx 的文件名有 257 字节，超过文件系统上限 255 字节（一个汉字占 3 字节）";
    DiskFull = "R103", Fatal,
        "磁盘空间不足，写不下输出",
        "清理磁盘，或用 -o 写到有空间的磁盘",
        "错误 R103：磁盘空间不足：请清理磁盘或用 -o 写到别的磁盘；写入 报告.xlsx 失败（系统信息：No space left on device (os error 28)）";
    NotWritable = "R104", Fatal,
        "输出文件夹不能写（没有权限或只读）",
        "换一个可写的文件夹（-o），或请管理员开放写权限",
        "错误 R104：没有权限：请换一个可写的文件夹或用 -o 指定输出位置，或请管理员开放权限；在文件夹 /sys 中写文件失败（系统信息：permission denied）";
    BadSettings = "R105", Fatal,
        "评分规则等设置文件有误：未知的设置项、分值为负或超出合计、百分比超出范围等",
        "按消息改正设置文件中指名的那一项（可对照 templates/scoring.toml）",
        "错误 R105：评分规则 s.toml 有误：budget_weight = -10：分值不能为负数";
    BadMapping = "R106", Fatal,
        "映射文件有误：不是标准表名或列名、格式不对等",
        "按消息改正映射文件（格式见 README“列名映射”）",
        "错误 R106：映射文件 m.toml：“项目表”不是标准工作表名（应为 项目 / 拨付 / 绩效指标 / 说明）";
    NotUtf8 = "R107", Fatal,
        "映射、设置或模板文件不是 UTF-8 编码（多半是 GBK/ANSI）",
        "用记事本打开该文件，“另存为”时编码选 UTF-8",
        "错误 R107：映射文件 m.toml 不是 UTF-8 编码（第1行起，可能是 GBK）：请用记事本打开，“另存为”时编码选 UTF-8";
    BadTemplate = "R108", Fatal,
        "总结模板有误：语法错误或用了不存在的变量",
        "按消息中的模板文件和行号改正（变量名见内置模板 templates/summary/）",
        "错误 R108：总结模板 t.txt 第3行有误：变量或字段 “unit_nmae” 不存在，请检查拼写（…）";
    TooManyCells = "R109", Fatal,
        "工作簿的单元格数或范围超过上限（如 .xls 的单元格远在 IV65536），读入会耗尽内存",
        "删去远处的空单元格（选中多余的行列删除后保存），或另存为 .xlsx；确需更大的台账时提高 JIXIAO_MAX_CELLS",
        "错误 R109：文件 far.xls 的工作表“说明”只有 9 个单元格有内容，但远到 IV65536，按 .xls 的读法要占 16777216 个单元格的内存（全部工作表共 67108864），超过上限 2000000，未读取；请删去远处的单元格（…），或另存为 .xlsx 再试";
    Busy = "R110", Fatal,
        "另一个 jixiao 正在向同一文件夹写出",
        "等它完成后再运行",
        "错误 R110：另一个 jixiao 正在向文件夹 /…/输出 写出文件；请等它完成后再运行（两次运行同时写同一处会把文件混在一起）";
    EmptyLibrary = "R111", Fatal,
        "--indicators 指定的文件夹中没有指标库（.toml）",
        "放入指标库文件，或去掉 --indicators 使用内置指标库",
        "错误 R111：指标库文件夹 库 中没有 .toml 指标库文件；请放入指标库，或去掉 --indicators 使用内置指标库";
    BadArguments = "R112", Fatal,
        "命令行参数有误：没有这个子命令或参数、取值不对、缺少必填参数",
        "按消息后附的用法改正；jixiao 子命令 --help 列出全部参数",
        "错误 R112：没有子命令“reprot”…是否想用 report？";
    ColumnConflict = "R113", Fatal,
        "表头中有两列或更多列都可作为同一项金额、日期或编号（如两列“预算金额”），jixiao 不会自行选择",
        "删去或改名多余的列，或在映射文件中写明用哪一列（--mapping）",
        "错误 R113：文件 in.xlsx：工作表“项目”有 2 列都可作为“预算金额”：E1“预算金额（元）”、H1“预算金额（元）”；无法确定用哪一列（不会自行选择）…";
    ProjectSheetsOfYears = "R114", Fatal,
        "工作簿里有两张或更多张项目表（表名都不是标准的“项目”），表名或标题写的年度不同：jixiao 不替您选读哪一年的",
        "用映射文件 [sheets] 写明用哪一张（如 项目 = \"2024年项目台账\"），用 --mapping 指定；或把别的年度的表移到另一个文件",
        "错误 R114：文件 in.xlsx：工作表“2023年项目台账”（2023年）、工作表“2024年项目台账”（2024年） 都是项目表，年度不同（2023、2024），不知道该读哪一张；请用映射文件指定，如 [sheets] 项目 = \"2024年项目台账\"，用 --mapping 指定";

    // ---- Codes outside the readers: R050–R079 (data), R130–R149 (fatal) ----
    IndicatorsDrafted = "R050", Warning,
        "项目在“绩效指标”表中没有指标，已按指标库草拟（自评表中标为草拟）",
        "核实草拟的指标后填入“绩效指标”表",
        "项目!A3：项目“P2”没有绩效指标，已按“通用”指标库草拟（标为草拟），请核实后填入“绩效指标”表";
    LowRateHighGrade = "R051", Warning,
        "预算执行率低于 60%，自评等级却为优或良：县级审核会退回未说明原因的表",
        "在自评表“偏差原因分析”中说明原因及改进措施",
        "项目!E9：项目“P8”预算执行率 10.00% 低于 60%，但自评等级为“优”：请在自评表“偏差原因分析”中说明原因及改进措施（县级审核会退回未说明的表）";
    PaymentAfterCutOff = "R052", Warning,
        "拨付日期晚于截止日期，该笔拨付未计入（同一项目多笔时按项目合并为一条）",
        "核对拨付日期；如要计入，改用更晚的截止日期（--as-of）",
        "拨付!A8：拨付日期 2025-01-10 晚于截止日期 2024-12-31，该笔 3 万元未计入";
    PaymentBeforeYear = "R053", Warning,
        "拨付日期早于台账年度，已计入",
        "核对是否上年的拨付；如是，从本年台账中删去",
        "拨付!A9：拨付日期 2023-12-20 早于台账年度 2024 年，已计入；请核对是否上年的拨付";
    CumulativePaidAfterCutOff = "R054", Warning,
        "“累计拨付”列是截至台账日期的数，晚于所用的截止日期，无法拆分，已全部计入",
        "改用台账日期作截止日期，或改用逐笔的“拨付”表",
        "累计拨付是截至 2024-12-31 的数，早于该日的截止日期 2024-06-30 无法从中拆分，已全部计入";
    PaidFromOtherFund = "R055", Warning,
        "项目的拨付来自其预算中没有的资金性质：计入该资金性质的已拨付，不计入项目执行率",
        "核对拨付的资金性质，或在“项目”表补上该资金性质的预算",
        "项目!A3：项目“P2”的预算来自衔接资金，但有 2 万元从整合资金拨付（首笔见 拨付!A4）；这笔钱计入整合资金的已拨付，不计入其执行率，在“按资金性质”中单列";
    NegativePaid = "R056", Warning,
        "项目的拨付合计为负数（退回多于拨付）",
        "核对退回资金的金额和符号",
        "项目!A7：项目“P6”的拨付合计为 -3 万元（退回多于拨付），请核对退回资金";
    ZeroBudget = "R057", Warning,
        "项目预算金额为 0，执行率不计算",
        "填入预算金额；确无预算的项目可删去",
        "项目!E4：项目“P3”预算金额为0，执行率不计算";
    PaidOverBudget = "R058", Warning,
        "项目已拨付超过预算",
        "核对拨付和预算金额（是否追加了预算）",
        "项目!E5：项目“P4”已拨付 15 万元，超过预算 10 万元";
    FinishedNotSettled = "R059", Warning,
        "项目已完工（或已验收、已结算），但没有结算金额，待拨付和结余未计算",
        "填入结算金额",
        "项目!F6：项目“P5”状态为已完工，但没有结算金额，待拨付和结余未计算";
    PaidOverSettled = "R060", Warning,
        "项目已拨付超过结算金额（多拨）",
        "核对拨付和结算金额，多拨的应收回",
        "项目!F2：项目“P1”已拨付 100 万元，超过结算金额 98.5 万元（多拨 1.5 万元）";
    SettledOverBudget = "R061", Warning,
        "结算金额超过预算",
        "核对结算金额和预算（是否追加了预算）",
        "项目!F5：项目“P4”结算金额 12 万元超过预算 10 万元";
    UnknownLevel1 = "R062", Warning,
        "一级指标不是产出、效益或满意度指标，按产出指标计分",
        "把一级指标改为 产出指标 / 效益指标 / 满意度指标",
        "绩效指标!A2：一级指标“过程指标”不是产出/效益/满意度指标，按产出指标计分";
    WeightsNot100 = "R063", Warning,
        "表中所填指标分值与预算执行率分值合计不等于 100",
        "改正“绩效指标”表的分值，使合计为 100",
        "绩效指标!A2：表中所填分值与预算执行率 10 分合计为 80，不等于 100（绩效指标!A2、绩效指标!A3、绩效指标!A4）";
    IndicatorNotScored = "R064", Warning,
        "指标无法按规则自动计分：缺实际完成值、指标值为空、单位不一致、无法比较，或需人工评分",
        "补填指标值或实际完成值，统一单位，或在“得分”列手填得分",
        "绩效指标!A5：指标“硬化面积”未填实际完成值，需补填后评分";
    HandScoreDisagrees = "R065", Warning,
        "表中手填的得分与规则不符（不在完成档的分数范围内，或与规则得分不同）",
        "核对手填得分；以规则得分为准时可删去手填得分",
        "绩效指标!A4：指标“群众满意度”手填得分 10 不在“部分达成”档（6–8 分）内";
    OverCompleted = "R066", Warning,
        "指标超额完成较多，未填偏差原因",
        "在“偏差原因”列说明超额的原因（目标定得偏低等）",
        "绩效指标!A2：指标“新建道路长度”超额完成（达目标的 200%），请在偏差原因中说明";
    IndicatorLate = "R067", Warning,
        "时效指标未按期完成，按规则扣分",
        "核对完成日期；确实延期的，在偏差原因中说明",
        "绩效指标!A3：指标“完工时间”未按期完成";
    MonitorOtherYear = "R068", Warning,
        "监控月份不在台账年度内，执行数按截至月末的累计拨付计",
        "检查 --month 是否写错年份",
        "提示 R068：台账是 2024 年度的，而监控期是 2025 年 1—7 月：执行数按截至 2025-07-31 的累计拨付计；如要监控 2024 年，请用 --month 2024-07";
    LongDigitId = "R069", Warning,
        "项目编号是超过 15 位的数字：Excel 把它当数字时末几位会变成 0",
        "在台账中把该列设为文本格式",
        "项目!A8：项目编号“2024220100000123”是 16 位数字，超过 Excel 数字的 15 位精度；请在台账中把该列设为文本，否则末几位会变成 0";
    InfoDefaulted = "R070", Warning,
        "没有指定截止日期或单位名称：截止日期按今天，单位名称暂用文件名",
        "加 --as-of YYYY-MM-DD / --unit，或在“说明”表填截止日期、单位名称",
        "未指定单位名称（--unit 或“说明”表的单位名称），暂用文件名“in”";
    InputSkipped = "R071", Warning,
        "汇总时跳过了一个文件：它是 jixiao 生成的输出而不是台账，或与已列出的文件是同一个；不影响汇总",
        "无需处理；不想看到此提示时，把输出文件放到台账文件夹之外",
        "这是 jixiao 生成的报告，不是台账，已跳过";
    SheetCopiedAs = "R072", Warning,
        "输入工作表与报告工作表同名或名称不能用作 Excel 表名，复制时改了名",
        "无需处理；如要保留原名，先在台账中改名",
        "输入工作表“汇总”与报告工作表同名或不能用作 Excel 表名，复制为“原-汇总”";
    FormulasAsValues = "R073", Warning,
        "输入文件不是 .xlsx：原表中的公式按计算结果（数值）复制",
        "需要保留公式时，把台账另存为 .xlsx 再运行",
        "输入文件不是 xlsx 格式，原表中的公式以计算结果（数值）复制";
    ProjectInTwoFiles = "R074", Error,
        "同一项目编号和名称出现在两个乡镇的文件中，疑似重复上报，两处都已计入合计",
        "核对两个文件，删去重复的一处后重新汇总",
        "项目编号“P1”（道路）同时出现在 乡镇/乙.xlsx（道路）：疑似同一项目重复上报，两处都已计入合计，请核对";
    IdInTwoFiles = "R075", Warning,
        "同一项目编号出现在两个文件中，但项目名称不同，可能是各乡镇自编编号重复",
        "无需处理；如要区分，请各乡镇使用预算系统的项目代码",
        "项目编号“P2”（路灯）同时出现在 乡镇/乙.xlsx（水渠）：项目名称不同，可能是各乡镇自编编号重复";
    UnitInTwoFiles = "R076", Warning,
        "同一单位名称出现在两个文件中，两份都已计入",
        "核对“说明”表的单位名称；同一单位只留一份台账",
        "单位“测试镇”同时出现在 乡镇/甲.xlsx 和 乡镇/乙.xlsx，两份都已计入";
    IndustryShareLow = "R077", Warning,
        "衔接资金用于产业项目的比例低于要求（乡镇或全县）",
        "核对项目类别；确实偏低的，在总结中说明原因",
        "甲镇：衔接资金用于产业项目的比例 20.00%，低于 60% 的要求";
    CutOffDatesDiffer = "R078", Warning,
        "各单位台账的截止日期不一致，汇总数据口径不一",
        "汇总时加 --as-of（或 --month）统一截止日期",
        "各单位的截止日期不一致（未指定 --as-of / --month 时取各自“说明”表的截止日期），汇总数据口径不一";
    LevelUnsplit = "R079", Warning,
        "项目预算分属多个级次，拨付未注明级次（或只有累计拨付），不能按级次拆分，计入“未注明级次”",
        "在“拨付”表注明每笔拨付的级次",
        "测试镇 项目“道路”（P1）的预算分属 中央、省级 级，拨付 5 万元未注明级次，计入“未分级”";
    PaidColumnUnread = "R080", Error,
        "工作簿没有拨付表，项目表里有一列像是拨付金额（表头说到拨付、支付、到位等，格子里是金额），却读不出它是什么：已拨付全按0计，这一列未读取",
        "这一列是已拨付时，在映射文件中写 [columns.项目] 累计拨付 = \"（该列列名）\"，用 --mapping 指定；每次拨付各占一列时，请改为“拨付”表（项目编号、拨付日期、拨付金额）",
        "项目!H1：“已到位资金”列有 2 个金额（如 项目!H2 “80”），看起来与拨付有关，但读不出它是什么；工作簿没有拨付表，所有项目的已拨付按0计。若这一列是已拨付，请在映射文件中写 [columns.项目] 累计拨付 = \"已到位资金\"，用 --mapping 指定；若每次拨付各占一列，请改为“拨付”表（项目编号、拨付日期、拨付金额）";
    PaymentSheets = "R081", Warning,
        "拨付记在几张工作表上（每月一张、每种资金一张等）：凡是拨付表的可见工作表都已读取、计入；每一笔都与前面的表相同的一张是副本，不重复计入",
        "确认这些表都是拨付明细；某张不是时，用映射文件 [sheets] 指定拨付表",
        "拨付记在 3 张工作表上（“3月拨付”、“4月拨付”、“6月拨付”）：各表的拨付都已计入";
    PaymentOnTwoSheets = "R082", Error,
        "同一笔拨付（项目、日期、金额都相同）记在两张拨付表上：两笔都已计入，可能是重复登记",
        "核对两处；是重复登记的，删去其中一处（或删去多余的那张表）",
        "拨付补记!A2：项目“P1”2024-03-01 拨付 50 万元，与 拨付!A2 的一笔完全相同（两张拨付表上各记了一次）；两笔都已计入，如是重复登记请删去一处";
    ProjectSheets = "R083", Warning,
        "项目记在几张工作表上（衔接资金项目一张、整合资金项目一张等），表名不是标准的“项目”：凡是项目表的可见工作表都已读取、计入；另一张表上编号重复的项目不计入（R032）",
        "确认这些表都是本年度的项目；某张不是时，用映射文件 [sheets] 指定项目表",
        "项目记在 2 张工作表上（“衔接资金项目”、“整合资金项目”）：各表的项目都已读取、计入";
    PaidUnitImplausible = "R084", Error,
        "拨付表的金额列没有注明单位，按万元读取，但已拨付合计是预算合计的 10 倍以上：单位很可能读错了（元或千元当成了万元），读出的已拨付不可用",
        "在拨付金额的表头注明“（元）”、在表上方写“单位：元”，或用 --mapping 的 [units] 指定单位",
        "拨付!C1：拨付金额列未注明单位，按万元读取，但已拨付合计 855000 万元是预算合计 120 万元的 7125 倍：单位很可能读错了（像是元或千元）；请在表头注明“（元）”、在表上方写“单位：元”，或用 --mapping 指定单位";
    BrokenWorkbook = "R130", Fatal,
        "工作簿文件的内部结构已损坏（.xls 的扇区链断裂、记录长度或位置不对，.xlsx 表格范围的终点在起点之前等），读下去会出错，未读取",
        "用 Excel/WPS 打开后另存为 .xlsx 再试；打不开时请找回原文件或重新下载",
        "错误 R130：无法读取文件 坏.xls：文件已损坏（可能下载或复制中断，或由不规范的程序生成），请在 Excel/WPS 中打开后另存为 .xlsx 再试；技术信息：BOUNDSHEET 记录无效";
    NothingToConsolidate = "R131", Fatal,
        "县级汇总没有找到可汇总的工作簿：文件夹是空的，或其中只有 jixiao 自己写出的报告、月报等",
        "把各乡镇的台账（.xlsx / .xlsm / .xls / .ods）放进文件夹，或直接列出台账文件",
        "错误 R131：在 空 中没有找到可汇总的工作簿（.xlsx / .xlsm / .xls / .ods；jixiao 自己写出的报告、月报等不算）";
    OutputIsInput = "R132", Fatal,
        "输出文件就是要汇总的一个输入台账，写出会覆盖它（加 --force 也不会覆盖台账）",
        "用 -o 指定另一个输出文件名，或放到输入文件夹之外",
        "错误 R132：输出文件 乡镇/甲.xlsx 是要汇总的输入（在输入文件夹中），拒绝覆盖输入；请换一个输出文件名";
    AccountRefused = "R133", Fatal,
        "jixiao serve 的账号管理（--add-user、--reset-password 等）被拒绝：密码太短、没有这个用户、参数不全等",
        "按消息改正后重新执行；jixiao serve --help 列出账号管理的参数",
        "错误 R133：密码至少 8 个字符";
}

impl Finding {
    pub fn entry(self) -> &'static Entry {
        CATALOGUE
            .iter()
            .find(|e| e.finding == self)
            .expect("every finding is in the catalogue")
    }
    pub fn code(self) -> &'static str {
        self.entry().code
    }
    pub fn level(self) -> Level {
        self.entry().level
    }
    /// A fatal message with its code in front (`R101：…`); `main` prints
    /// it as `错误 R101：…`.
    pub fn fatal(self, message: impl std::fmt::Display) -> String {
        format!("{}：{message}", self.code())
    }
}

/// In JSON a finding is its code.
impl Serialize for Finding {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.code())
    }
}

/// The code a fatal message starts with, if any (`R101：…`).
pub fn code_of(message: &str) -> Option<&str> {
    let (head, _) = message.split_once('：')?;
    CATALOGUE
        .iter()
        .find(|e| e.code == head && e.level == Level::Fatal)
        .map(|e| e.code)
}

/// A fatal message as printed: `错误 R101：…`; one without a code gets the
/// catch-all R100.
pub fn fatal_line(message: &str) -> String {
    if code_of(message).is_some() {
        return format!("错误 {message}");
    }
    // A coded message wrapped in its file's name ("文件 a.xlsx：R113：…"):
    // its code leads the line.
    for e in CATALOGUE.iter().filter(|e| e.level == Level::Fatal) {
        let tag = format!("{}：", e.code);
        if let Some(i) = message.find(&tag) {
            return format!(
                "错误 {}：{}{}",
                e.code,
                &message[..i],
                &message[i + tag.len()..]
            );
        }
    }
    format!("错误 {}：{message}", Finding::Fatal.code())
}

/// `docs/errors.md`, generated from the catalogue.
pub fn markdown() -> String {
    let mut s = String::from(
        "# 问题代码一览\n\n\
         本文件由 `src/model/finding.rs` 生成（`cargo test --test errors_catalogue` 检查它与代码一致；\
         更新：`JIXIAO_WRITE_DOCS=1 cargo test --test errors_catalogue`）。\n\n\
         问题清单、JSON（`code` 字段，在 `message` 旁）和致命错误（`错误 R101：…`，退出状态 2）都带这里的代码。\
         “错误”使该行不计入合计，或表明台账自带的合计/小计/累计/执行率与算出的不符（退出状态 1），“提示”只是提醒（退出状态 0）。\n\n\
         | 代码 | 级别 | 含义 |\n|---|---|---|\n",
    );
    for e in CATALOGUE {
        s.push_str(&format!(
            "| [{}](#{}) | {} | {} |\n",
            e.code,
            e.code.to_lowercase(),
            e.level.label(),
            e.meaning
        ));
    }
    for e in CATALOGUE {
        s.push_str(&format!(
            "\n## {}\n\n- 级别：{}\n- 含义：{}\n- 改正：{}\n- 示例：`{}`\n",
            e.code,
            e.level.label(),
            e.meaning,
            e.fix,
            e.example
        ));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_and_well_formed() {
        let mut seen = std::collections::HashSet::new();
        for e in CATALOGUE {
            assert!(seen.insert(e.code), "{} twice", e.code);
            assert!(e.code.len() == 4 && e.code.starts_with('R'), "{}", e.code);
            assert_eq!(
                e.level == Level::Fatal,
                e.code.starts_with("R1"),
                "{}",
                e.code
            );
            assert_eq!(e.finding.code(), e.code);
        }
    }

    #[test]
    fn fatal_lines_carry_a_code() {
        assert_eq!(fatal_line("R101：已存在"), "错误 R101：已存在");
        assert_eq!(fatal_line("找不到"), "错误 R100：找不到");
        assert_eq!(fatal_line("R001：x"), "错误 R100：R001：x");
        assert_eq!(
            fatal_line("文件 a.xlsx：R113：两列"),
            "错误 R113：文件 a.xlsx：两列"
        );
    }
}
