// The encodings of an alert (vigil/alert.h): Falco's JSON line, Falco's text line, and the
// journal's lossless record.
#pragma once

#include <optional>
#include <string>

#include "vigil/alert.h"

namespace vigil::outputs {

using Alert = vigil::Alert;

// Falco's output options that shape an alert's encoding.
struct FormatOptions {
  bool json = true;            // json_output: JSON lines, else Falco's text lines
  bool include_output = true;  // json_include_output_property
  bool include_tags = true;    // json_include_tags_property
  bool time_iso_8601 = false;  // time_format_iso_8601: text lines' time (JSON: always)
};

std::string to_json_line(const Alert& a, const FormatOptions& o = {});  // one line, no newline
// Falco's stdout shape: "<time>: <Priority> <output> (rule=... action=... container=...)".
std::string to_text_line(const Alert& a, const FormatOptions& o = {});
// What an output writes as one line: JSON or text, as `o.json` says.
std::string to_line(const Alert& a, const FormatOptions& o);
// For syslog, which stamps its own time: the JSON line, or the text line without the time.
std::string to_syslog_message(const Alert& a, const FormatOptions& o);
// The journal's encoding: everything, losslessly.
std::string to_record(const Alert& a);
std::optional<Alert> from_record(const std::string& text);

}  // namespace vigil::outputs
