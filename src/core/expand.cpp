// Escape decoding and $-expansion of one .env value, in a single left-to-right pass.
#include "core/expand.hpp"

#include <fmt/format.h>

#include <cstddef>
#include <optional>

#include "core/names.hpp"

namespace dotenv_run {

namespace {

// Escapes and references are handled in the same pass, so text produced by an escape
// (`\$`, or the `\` of `\\`) is final and never starts a reference.
// A null `out` means "parse but do not evaluate": the unused word of ${V:-w} is still
// checked for syntax, but looks nothing up and cannot fail a ${V:?}.
class Expander {
 public:
  Expander(std::string_view raw, Quoting quoting, bool expand, const Lookup& vars)
      : raw_(raw), quoting_(quoting), expand_(expand), vars_(vars) {}

  // Reads up to the end of the value or, inside ${...}, up to (not past) the closing `}`.
  void word(SecretString* out, bool in_braces) {
    while (pos_ < raw_.size()) {
      std::size_t end = pos_;
      while (end < raw_.size() && !is_special(raw_[end], in_braces)) ++end;
      if (out != nullptr) out->append(raw_.data() + pos_, end - pos_);
      pos_ = end;
      if (pos_ == raw_.size() || raw_[pos_] == '}') return;
      if (raw_[pos_] == '\\') {
        escape(out);
      } else {
        reference(out);
      }
    }
  }

 private:
  bool is_special(char c, bool in_braces) const {
    return c == '\\' || (expand_ && c == '$') || (in_braces && c == '}');
  }

  char peek(std::size_t offset) const { return pos_ + offset < raw_.size() ? raw_[pos_ + offset] : '\0'; }

  static void put(SecretString* out, char c) {
    if (out != nullptr) out->push_back(c);
  }

  // At a backslash. Unquoted, only `\$` means something; in double quotes, a short list.
  // Any other backslash stays, and the character after it is read normally.
  void escape(SecretString* out) {
    char next = peek(1);
    char decoded = '\0';
    if (next == '$') {
      decoded = '$';
    } else if (quoting_ == Quoting::kDoubleQuoted) {
      switch (next) {
        case 'n': decoded = '\n'; break;
        case 'r': decoded = '\r'; break;
        case 't': decoded = '\t'; break;
        case '"': decoded = '"'; break;
        case '\\': decoded = '\\'; break;
        default: break;
      }
    }
    if (decoded != '\0') {
      put(out, decoded);
      pos_ += 2;
    } else {
      put(out, '\\');
      pos_ += 1;
    }
  }

  // At a `$`: `$$`, `${...}`, `$NAME`, or a literal `$`.
  void reference(SecretString* out) {
    char next = peek(1);
    if (next == '$') {
      put(out, '$');
      pos_ += 2;
    } else if (next == '{') {
      pos_ += 2;
      braced(out);
    } else if (is_name_start(next)) {
      std::size_t start = pos_ + 1;
      pos_ = start;
      while (pos_ < raw_.size() && is_reference_char(raw_[pos_])) ++pos_;
      if (out != nullptr) out->append(vars_.find(raw_.substr(start, pos_ - start)).value_or(""));
    } else {
      put(out, '$');
      pos_ += 1;
    }
  }

  // Just after `${`: NAME, then `}` or one of :- - :+ + :? ? followed by a word and `}`.
  void braced(SecretString* out) {
    // ${A:-${B:-...}} recurses once per level: a hostile value must not exhaust the stack.
    if (++depth_ > kMaxNesting) {
      throw SyntaxError(fmt::format("${{...}} nested deeper than {} levels", kMaxNesting));
    }
    struct Leave {
      unsigned& depth;
      ~Leave() { --depth; }
    } leave{depth_};
    const std::string_view name = braced_name();
    const Found value = out != nullptr ? look_up(name) : Found{};
    if (raw_[pos_] == '}') {
      ++pos_;
      if (out != nullptr) out->append(value.text);
      return;
    }
    operation(value, out);
    if (pos_ == raw_.size()) throw SyntaxError("missing } after ${");
    ++pos_;
  }

  // The NAME of `${NAME...`, leaving pos_ on the character after it (never the end).
  std::string_view braced_name() {
    const std::size_t start = pos_;
    if (pos_ == raw_.size()) throw SyntaxError("unterminated ${");
    if (!is_name_start(raw_[pos_])) throw SyntaxError("invalid name after ${");
    while (pos_ < raw_.size() && is_reference_char(raw_[pos_])) ++pos_;
    const std::string_view name = raw_.substr(start, pos_ - start);
    if (pos_ == raw_.size()) throw SyntaxError("missing } after ${");
    return name;
  }

  // A found flag and a view rather than an optional: GCC 12 warns (falsely) about optionals here.
  struct Found {
    bool found = false;
    std::string_view text;
  };

  Found look_up(std::string_view name) const {
    if (auto value = vars_.find(name)) return {true, *value};
    return {};
  }

  // At one of :- - :+ + :? ? after ${NAME: applies it, up to (not past) the closing `}`.
  void operation(const Found& value, SecretString* out) {
    const bool colon = raw_[pos_] == ':';
    const char op = colon ? peek(1) : raw_[pos_];
    if (op != '-' && op != '+' && op != '?') {
      throw SyntaxError("unsupported expression in ${...} (expected } or :- - :+ + :? ?)");
    }
    pos_ += colon ? 2 : 1;
    // `:` makes an empty value count as unset.
    const bool present = value.found && !(colon && value.text.empty());
    switch (op) {
      case '-':
        if (present) out->append(value.text);
        word(present ? nullptr : out, true);
        break;
      case '+': word(present ? out : nullptr, true); break;
      default:  // '?'
        if (out != nullptr && !present) {
          throw SyntaxError(value.found ? "a required variable is empty" : "a required variable is unset");
        }
        if (present) out->append(value.text);
        word(nullptr, true);
        break;
    }
  }

  static constexpr unsigned kMaxNesting = 32;
  unsigned depth_ = 0;
  std::string_view raw_;
  Quoting quoting_;
  bool expand_;
  const Lookup& vars_;
  std::size_t pos_ = 0;
};

}  // namespace

void expand_value(std::string_view raw, Quoting quoting, bool expand, const Lookup& vars, SecretString& out) {
  Expander(raw, quoting, expand, vars).word(&out, false);
}

}  // namespace dotenv_run
