// Load-time diagnostics: every error and warning of a load, each with file:line:col.
// Loading never stops at the first problem; the caller reports them all together.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace vigil::rules {

struct Position {
  std::string file;   // as the user named it
  uint32_t line = 0;  // 1-based; 0 = unknown (whole file)
  uint32_t col = 0;   // 1-based
};

enum class Severity : uint8_t { kError, kWarning };

struct Diagnostic {
  Severity severity;
  Position pos;
  std::string message;
};

// "file:line:col: error: message" (line/col omitted when unknown).
std::string format_diagnostic(const Diagnostic& d);

class Diagnostics {
 public:
  void error(Position pos, std::string message);
  void warning(Position pos, std::string message);
  const std::vector<Diagnostic>& all() const { return items_; }
  // The diagnostics ordered by file (in first-seen order), then line and column.
  std::vector<Diagnostic> sorted() const;
  size_t error_count() const;
  bool has_errors() const { return error_count() > 0; }

 private:
  void add(Severity severity, Position pos, std::string message);
  std::vector<Diagnostic> items_;
};

// Maps offsets in a piece of text (a YAML scalar's value, as yaml-cpp decoded it) back to
// file positions. Folded and quoted scalars change whitespace and escapes, so offsets are
// matched through the non-blank characters, which appear in the file in the same order.
class SourceMap {
 public:
  // A map for text that is not in any file (generated), pointing everything at `pos`.
  static std::shared_ptr<const SourceMap> fixed(Position pos);
  // `raw` is the whole file; the scalar begins at byte `start`, which is at `line`:`col`
  // (1-based) there.
  static std::shared_ptr<const SourceMap> for_scalar(const std::string& file,
                                                     const std::string& raw, size_t start,
                                                     uint32_t line, uint32_t col,
                                                     const std::string& value);
  Position at(size_t offset) const;
  const std::string& file() const { return file_; }

 private:
  std::string file_;
  std::vector<std::pair<uint32_t, uint32_t>> line_col_;  // per value offset; last = end
};

// Text assembled from pieces (a condition plus appended conditions), keeping each piece's map.
struct SourceText {
  std::string text;
  struct Piece {
    size_t offset;
    std::shared_ptr<const SourceMap> map;
  };
  std::vector<Piece> pieces;

  void append(const std::string& s, std::shared_ptr<const SourceMap> map);
  Position at(size_t offset) const;
};

}  // namespace vigil::rules
