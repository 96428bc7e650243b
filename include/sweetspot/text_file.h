// Text files in and out. Reading: every text file the tool reads (manifests,
// class lists, label maps, preprocessing and study specs) goes through
// ReadTextFile, so a spreadsheet's byte-order mark and Windows line ends are
// accepted everywhere alike. Writing: atomically, so that a reader never sees
// half of one, and CSV fields quoted the one way all our CSV outputs share.
// Names: file and folder names are bytes, not necessarily UTF-8; SafeText and
// DumpJson make any of them printable and JSON-safe.
//
// Thread-safety: all functions are reentrant.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include <nlohmann/json_fwd.hpp>

#include "sweetspot/status.h"

namespace sweetspot {

// Writes `text` to a temporary file beside `path`, fsyncs it, then renames
// it over `path`: an interrupted or failed write leaves any previous file
// intact and no partial one. A full disk (or a file-size limit) is
// kInvalidArgument, "free some space or write elsewhere", since the user fixes
// it; other failures are kIoError. Errors name the path.
Status WriteTextFile(const std::filesystem::path& path, std::string_view text);

// The whole file as text with a leading UTF-8 byte-order mark removed and
// CRLF (and lone CR) line ends turned into LF. NotFound when it does not
// exist, InvalidArgument for a folder, IoError when unreadable; errors name
// the path.
Result<std::string> ReadTextFile(const std::filesystem::path& path);

// The same normalisation for text that did not come from a file (model
// metadata, a spec given inline).
std::string NormalizeText(std::string_view text);

// `text` with every byte that is not part of a valid UTF-8 sequence written
// as `\xHH` (a Latin-1 "caf\xe9" stays readable); valid UTF-8 is unchanged.
// Used wherever a path or name reaches JSON, CSV, SQLite or a terminal.
std::string SafeText(std::string_view text);

// `doc` serialised (indent < 0: compact) with SafeText applied to every
// string and key, so names that are not UTF-8 cannot make it throw.
std::string DumpJson(const nlohmann::json& doc, int indent = -1);

// `field` as one CSV field: SafeText of it, as is or double-quoted (quotes
// doubled) when it holds a comma, a quote or a newline (RFC 4180).
std::string CsvField(const std::string& field);

}  // namespace sweetspot
