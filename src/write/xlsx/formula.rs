//! Excel "future" functions in formulas get their `_xlfn.` prefix, as
//! rust_xlsxwriter 0.102 (MIT/Apache-2.0) does it (`Formula::new`): copied
//! from its formula.rs so that formulas are written exactly as before.

use std::collections::HashMap;
use std::sync::OnceLock;

/// The formula (without "=") as written to the file.
pub fn escape(formula: &str) -> String {
    if formula.contains("_xlfn.") {
        return formula.to_string();
    }
    escape_formula(formula).0
}

fn escape_formula(formula: &str) -> (String, bool) {
    let mut start_position = 0;
    let mut in_function = false;
    let mut in_string_literal = false;
    let mut has_dynamic_function = false;
    let mut escaped_formula = String::with_capacity(formula.len());

    for (current_position, char) in formula.char_indices() {
        // Match the start/end of string literals. We track these to avoid
        // escaping function names in strings. In Excel a double quote in a
        // string literal is doubled, so this will also match escapes.
        if char == '"' {
            in_string_literal = !in_string_literal;
        }

        // Copy the string literal.
        if in_string_literal {
            escaped_formula.push(char);
            continue;
        }

        // Function names are comprised of "A-Z", "0-9" and ".".
        let is_function_char = char.is_ascii_uppercase() || char.is_ascii_digit() || char == '.';

        // Simple state machine where we are either accumulating possible
        // function names in a buffer for evaluation, or copying non-function
        // name characters.
        if in_function {
            if !is_function_char {
                let token = &formula[start_position..current_position];

                // If the first non function char is an opening bracket then we
                // have found a function name.
                if char == '(' {
                    // Check if function is an Excel "future" function.
                    if let Some(function_type) = future_functions(token) {
                        // Add the future function prefix.
                        escaped_formula.push_str("_xlfn.");

                        // Some functions have an additional prefix.
                        if *function_type == 2 {
                            escaped_formula.push_str("_xlws.");
                        }

                        // Check if the function is "dynamic".
                        has_dynamic_function |= *function_type > 0;
                    }
                }

                // Copy the token, whether it is a function name or not.
                escaped_formula.push_str(token);
                escaped_formula.push(char);
                in_function = false;
            }
        } else if is_function_char {
            // Match the start of a possible function name.
            start_position = current_position;
            in_function = true;
        } else {
            escaped_formula.push(char);
        }
    }

    // Clean up any trailing buffer that wasn't a function.
    if in_function {
        escaped_formula.push_str(&formula[start_position..]);
    }

    (escaped_formula, has_dynamic_function)
}

fn future_functions(function: &str) -> Option<&u8> {
    static FUTURE_FUNCTIONS: OnceLock<HashMap<&str, u8>> = OnceLock::new();
    FUTURE_FUNCTIONS
        .get_or_init(|| {
            HashMap::from([
                // Future functions.
                ("ACOTH", 0),
                ("ACOT", 0),
                ("AGGREGATE", 0),
                ("ARABIC", 0),
                ("ARRAYTOTEXT", 0),
                ("BASE", 0),
                ("BETA.DIST", 0),
                ("BETA.INV", 0),
                ("BINOM.DIST.RANGE", 0),
                ("BINOM.DIST", 0),
                ("BINOM.INV", 0),
                ("BITAND", 0),
                ("BITLSHIFT", 0),
                ("BITOR", 0),
                ("BITRSHIFT", 0),
                ("BITXOR", 0),
                ("CEILING.MATH", 0),
                ("CEILING.PRECISE", 0),
                ("CHISQ.DIST.RT", 0),
                ("CHISQ.DIST", 0),
                ("CHISQ.INV.RT", 0),
                ("CHISQ.INV", 0),
                ("CHISQ.TEST", 0),
                ("COMBINA", 0),
                ("CONCAT", 0),
                ("CONFIDENCE.NORM", 0),
                ("CONFIDENCE.T", 0),
                ("COTH", 0),
                ("COT", 0),
                ("COVARIANCE.P", 0),
                ("COVARIANCE.S", 0),
                ("CSCH", 0),
                ("CSC", 0),
                ("DAYS", 0),
                ("DECIMAL", 0),
                ("ERF.PRECISE", 0),
                ("ERFC.PRECISE", 0),
                ("EXPON.DIST", 0),
                ("F.DIST.RT", 0),
                ("F.DIST", 0),
                ("F.INV.RT", 0),
                ("F.INV", 0),
                ("F.TEST", 0),
                ("FIELDVALUE", 0),
                ("FILTERXML", 0),
                ("FLOOR.MATH", 0),
                ("FLOOR.PRECISE", 0),
                ("FORECAST.ETS.CONFINT", 0),
                ("FORECAST.ETS.SEASONALITY", 0),
                ("FORECAST.ETS.STAT", 0),
                ("FORECAST.ETS", 0),
                ("FORECAST.LINEAR", 0),
                ("FORMULATEXT", 0),
                ("GAMMA.DIST", 0),
                ("GAMMA.INV", 0),
                ("GAMMALN.PRECISE", 0),
                ("GAMMA", 0),
                ("GAUSS", 0),
                ("HYPGEOM.DIST", 0),
                ("IFNA", 0),
                ("IFS", 0),
                ("IMAGE", 0),
                ("IMCOSH", 0),
                ("IMCOT", 0),
                ("IMCSCH", 0),
                ("IMCSC", 0),
                ("IMSECH", 0),
                ("IMSEC", 0),
                ("IMSINH", 0),
                ("IMTAN", 0),
                ("ISFORMULA", 0),
                ("ISOMITTED", 0),
                ("ISOWEEKNUM", 0),
                ("LET", 0),
                ("LOGNORM.DIST", 0),
                ("LOGNORM.INV", 0),
                ("MAXIFS", 0),
                ("MINIFS", 0),
                ("MODE.MULT", 0),
                ("MODE.SNGL", 0),
                ("MUNIT", 0),
                ("NEGBINOM.DIST", 0),
                ("NORM.DIST", 0),
                ("NORM.INV", 0),
                ("NORM.S.DIST", 0),
                ("NORM.S.INV", 0),
                ("NUMBERVALUE", 0),
                ("PDURATION", 0),
                ("PERCENTILE.EXC", 0),
                ("PERCENTILE.INC", 0),
                ("PERCENTRANK.EXC", 0),
                ("PERCENTRANK.INC", 0),
                ("PERMUTATIONA", 0),
                ("PHI", 0),
                ("POISSON.DIST", 0),
                ("PQSOURCE", 0),
                ("PYTHON_STR", 0),
                ("PYTHON_TYPE", 0),
                ("PYTHON_TYPENAME", 0),
                ("QUARTILE.EXC", 0),
                ("QUARTILE.INC", 0),
                ("QUERYSTRING", 0),
                ("RANK.AVG", 0),
                ("RANK.EQ", 0),
                ("RRI", 0),
                ("SECH", 0),
                ("SEC", 0),
                ("SHEETS", 0),
                ("SHEET", 0),
                ("SKEW.P", 0),
                ("STDEV.P", 0),
                ("STDEV.S", 0),
                ("T.DIST.2T", 0),
                ("T.DIST.RT", 0),
                ("T.DIST", 0),
                ("T.INV.2T", 0),
                ("T.INV", 0),
                ("T.TEST", 0),
                ("TEXTAFTER", 0),
                ("TEXTBEFORE", 0),
                ("TEXTJOIN", 0),
                ("UNICHAR", 0),
                ("UNICODE", 0),
                ("VALUETOTEXT", 0),
                ("VAR.P", 0),
                ("VAR.S", 0),
                ("WEBSERVICE", 0),
                ("WEIBULL.DIST", 0),
                ("XMATCH", 0),
                ("XOR", 0),
                ("Z.TEST", 0),
                // Dynamic functions.
                ("ANCHORARRAY", 1),
                ("BYCOL", 1),
                ("BYROW", 1),
                ("CHOOSECOLS", 1),
                ("CHOOSEROWS", 1),
                ("DROP", 1),
                ("EXPAND", 1),
                ("HSTACK", 1),
                ("LAMBDA", 1),
                ("MAKEARRAY", 1),
                ("MAP", 1),
                ("RANDARRAY", 1),
                ("REDUCE", 1),
                ("SCAN", 1),
                ("SEQUENCE", 1),
                ("SINGLE", 1),
                ("SORTBY", 1),
                ("SWITCH", 1),
                ("TAKE", 1),
                ("TEXTSPLIT", 1),
                ("TOCOL", 1),
                ("TOROW", 1),
                ("UNIQUE", 1),
                ("VSTACK", 1),
                ("WRAPCOLS", 1),
                ("WRAPROWS", 1),
                ("XLOOKUP", 1),
                // Special case dynamic functions.
                ("FILTER", 2),
                ("SORT", 2),
                ("PY", 2),
            ])
        })
        .get(function)
}
