// Diagnostics collection and offset-to-position mapping.
#include "src/rules/diagnostics.h"

#include <algorithm>
#include <tuple>

namespace vigil::rules {

std::string format_diagnostic(const Diagnostic& d) {
  std::string out = d.pos.file;
  if (d.pos.line > 0) {
    out += ":" + std::to_string(d.pos.line) + ":" + std::to_string(d.pos.col);
  }
  out += d.severity == Severity::kError ? ": error: " : ": warning: ";
  out += d.message;
  return out;
}

void Diagnostics::add(Severity severity, Position pos, std::string message) {
  // The same problem reached twice (a broken macro used by two rules) is reported once.
  for (const auto& d : items_) {
    if (d.severity == severity && d.pos.file == pos.file && d.pos.line == pos.line &&
        d.pos.col == pos.col && d.message == message) {
      return;
    }
  }
  items_.push_back({severity, std::move(pos), std::move(message)});
}

void Diagnostics::error(Position pos, std::string message) {
  add(Severity::kError, std::move(pos), std::move(message));
}

void Diagnostics::warning(Position pos, std::string message) {
  add(Severity::kWarning, std::move(pos), std::move(message));
}

size_t Diagnostics::error_count() const {
  return size_t(std::count_if(items_.begin(), items_.end(),
                              [](const Diagnostic& d) { return d.severity == Severity::kError; }));
}

std::vector<Diagnostic> Diagnostics::sorted() const {
  std::vector<std::string> files;
  for (const auto& d : items_) {
    if (std::find(files.begin(), files.end(), d.pos.file) == files.end()) {
      files.push_back(d.pos.file);
    }
  }
  auto rank = [&](const Diagnostic& d) {
    return size_t(std::find(files.begin(), files.end(), d.pos.file) - files.begin());
  };
  std::vector<Diagnostic> out = items_;
  std::stable_sort(out.begin(), out.end(), [&](const Diagnostic& a, const Diagnostic& b) {
    return std::make_tuple(rank(a), a.pos.line, a.pos.col) <
           std::make_tuple(rank(b), b.pos.line, b.pos.col);
  });
  return out;
}

std::shared_ptr<const SourceMap> SourceMap::fixed(Position pos) {
  auto m = std::make_shared<SourceMap>();
  m->file_ = pos.file;
  m->line_col_.push_back({pos.line, pos.col});
  return m;
}

std::shared_ptr<const SourceMap> SourceMap::for_scalar(const std::string& file,
                                                       const std::string& raw, size_t start,
                                                       uint32_t line, uint32_t col,
                                                       const std::string& value) {
  auto m = std::make_shared<SourceMap>();
  m->file_ = file;
  // Line and column of every byte of the raw file from `start` on are computed on the fly.
  size_t p = std::min(start, raw.size());
  auto advance = [&](size_t to) {
    for (; p < to; ++p) {
      if (raw[p] == '\n') {
        ++line;
        col = 1;
      } else {
        ++col;
      }
    }
  };
  // Skip the indicator of a block scalar (| or >) and its line; the value starts after.
  if (p < raw.size() && (raw[p] == '|' || raw[p] == '>')) {
    size_t nl = raw.find('\n', p);
    if (nl != std::string::npos) advance(nl + 1);
  }
  // Skip an opening quote.
  if (p < raw.size() && (raw[p] == '"' || raw[p] == '\'')) advance(p + 1);
  m->line_col_.reserve(value.size() + 1);
  const size_t kSearchLimit = 4096;
  for (char c : value) {
    if (c != ' ' && c != '\n' && c != '\t' && c != '\r') {
      // Find this character in the raw text, skipping only blanks, quotes and escapes.
      size_t q = p;
      while (q < raw.size() && q - p < kSearchLimit && raw[q] != c &&
             (raw[q] == ' ' || raw[q] == '\n' || raw[q] == '\t' || raw[q] == '\r' ||
              raw[q] == '\\' || raw[q] == '\'' || raw[q] == '"')) {
        ++q;
      }
      if (q < raw.size() && raw[q] == c) advance(q);
    } else {
      // Blanks: consume one blank if the raw text has one here.
      if (p < raw.size() && (raw[p] == ' ' || raw[p] == '\t')) {
        m->line_col_.push_back({line, col});
        advance(p + 1);
        continue;
      }
    }
    m->line_col_.push_back({line, col});
    if (p < raw.size() && raw[p] == c) advance(p + 1);
  }
  m->line_col_.push_back({line, col});
  return m;
}

Position SourceMap::at(size_t offset) const {
  if (line_col_.empty()) return {file_, 0, 0};
  const auto& lc = line_col_[std::min(offset, line_col_.size() - 1)];
  return {file_, lc.first, lc.second};
}

void SourceText::append(const std::string& s, std::shared_ptr<const SourceMap> map) {
  pieces.push_back({text.size(), std::move(map)});
  text += s;
}

Position SourceText::at(size_t offset) const {
  if (pieces.empty()) return {};
  auto it = std::upper_bound(pieces.begin(), pieces.end(), offset,
                             [](size_t o, const Piece& p) { return o < p.offset; });
  if (it != pieces.begin()) --it;
  return it->map->at(offset - it->offset);
}

}  // namespace vigil::rules
