//! `unstick dissector`: a Wireshark Lua dissector for a frame format, which reassembles frames
//! across TCP segments (`pinfo.desegment_len`) and shows head, length, named fields and
//! payload; or for the tutorials' JSON-header frames, with the header's fields and the body.

use std::fmt::Write as _;
use std::io::Write as _;
use std::process::ExitCode;

use unstick::{ByteOrder, FrameFormat, LengthField};

use crate::fields::{self, Kind, Place};

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Frame format (a preset, a length field, or a spec: `unstick formats`).
    #[arg(long, short, default_value = "u32be", value_parser = crate::parse_format)]
    format: FrameFormat,
    /// The tutorials' JSON-header frames instead: the length field (from --format) gives the
    /// JSON header's size, and the header's `total_size` the body's.
    #[arg(long)]
    json_header: bool,
    /// The JSON header's body-size field, with --json-header (letters, digits and `_`).
    #[arg(long, default_value = "total_size", requires = "json_header", value_parser = parse_key)]
    size_field: String,
    /// TCP ports to dissect this way (also available under "Decode As..." for any port).
    #[arg(long = "port", value_name = "PORT")]
    ports: Vec<u16>,
    /// Protocol name: the filter prefix of every field (`NAME.length`) and the column label;
    /// not one Wireshark already has (such as `mq`).
    #[arg(long, default_value = "unstick", value_parser = parse_name)]
    name: String,
}

fn parse_name(text: &str) -> Result<String, String> {
    let ok = text.chars().next().is_some_and(|c| c.is_ascii_lowercase())
        && text
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if ok {
        Ok(text.to_string())
    } else {
        Err("a lower-case letter, then lower-case letters, digits or _".into())
    }
}

/// A JSON key that can also name a Wireshark field: letters, digits, `_`.
fn parse_key(text: &str) -> Result<String, String> {
    if !text.is_empty() && text.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        Ok(text.to_string())
    } else {
        Err("letters, digits and _ only".into())
    }
}

pub fn run(args: Args) -> ExitCode {
    let f = args.format;
    if args.json_header && (f.head_len() != 0 || f.adjustment() != 0) {
        eprintln!(
            "unstick dissector: error: JSON-header frames have a length field only (no head, no adjustment): give one, such as --format u32be or --format 'i32le,max=1MiB'"
        );
        return ExitCode::from(2);
    }
    let lua = if args.json_header {
        json_header(&args)
    } else {
        length_frames(&args)
    };
    match std::io::stdout().lock().write_all(lua.as_bytes()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("unstick dissector: error: cannot write: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Lua that reads the length field at `offset` of `tvb` (with `avail` bytes there) and returns
/// `field_len, value`; `nil` when more bytes are needed; `false, reason` when malformed.
fn read_length_lua(field: LengthField) -> String {
    match field {
        LengthField::Fixed(int) => {
            let n = int.len();
            let little = matches!(int.order(), ByteOrder::Little);
            let getter = match (n, int.signed(), little) {
                (8, false, false) => "uint64():tonumber()",
                (8, false, true) => "le_uint64():tonumber()",
                (8, true, false) => "int64():tonumber()",
                (8, true, true) => "le_int64():tonumber()",
                (_, false, false) => "uint()",
                (_, false, true) => "le_uint()",
                (_, true, false) => "int()",
                (_, true, true) => "le_int()",
            };
            format!(
                r#"local function read_length(tvb, offset, avail)
    if avail < {n} then return nil end
    local value = tvb({offset}, {n}):{getter}
    if value < 0 then return false, "negative length " .. value end
    return {n}, value
end
"#,
                offset = "offset"
            )
        }
        LengthField::Leb128 | LengthField::MqttVbi => {
            let max = if field == LengthField::Leb128 { 10 } else { 4 };
            format!(
                r#"local function read_length(tvb, offset, avail)
    local value, scale = 0, 1
    for i = 0, {last} do
        if i >= avail then return nil end
        local b = tvb(offset + i, 1):uint()
        value = value + (b % 128) * scale
        scale = scale * 128
        if b < 128 then return i + 1, value end
    end
    return false, "varint longer than {max} bytes"
end
"#,
                last = max - 1
            )
        }
        LengthField::QuicVarint => r#"local function read_length(tvb, offset, avail)
    if avail < 1 then return nil end
    local first = tvb(offset, 1):uint()
    local n = ({1, 2, 4, 8})[math.floor(first / 64) + 1]
    if avail < n then return nil end
    local value = first % 64
    for i = 1, n - 1 do
        value = value * 256 + tvb(offset + i, 1):uint()
    end
    return n, value
end
"#
        .to_string(),
    }
}

/// A `ProtoField` declaration for a named field.
fn proto_field(name: &str, f: &fields::Field) -> String {
    let abbr = format!("{name}.{}", f.name);
    let label = f.name.replace('_', " ");
    match f.kind {
        Kind::Uint | Kind::UintLe => {
            let bits = match f.len {
                1 => 8,
                2 => 16,
                3 => 24,
                _ => 32,
            };
            let mask = if f.mask == 0 {
                "nil".to_string()
            } else {
                format!("0x{:x}", f.mask << f.shift)
            };
            // Magic numbers read best in hex, counts and identifiers in decimal.
            let base = if f.kind == Kind::UintLe {
                "base.HEX"
            } else {
                "base.DEC"
            };
            format!("ProtoField.uint{bits}(\"{abbr}\", \"{label}\", {base}, nil, {mask})")
        }
        Kind::Text => format!("ProtoField.string(\"{abbr}\", \"{label}\")"),
        Kind::Bytes => format!("ProtoField.bytes(\"{abbr}\", \"{label}\")"),
    }
}

fn length_frames(args: &Args) -> String {
    let format = args.format;
    let name = &args.name;
    let named = fields::preset_name(format).map(fields::of).unwrap_or(&[]);
    let mut lua = String::new();
    let _ = writeln!(
        lua,
        "-- Wireshark dissector for length frames: {format}\n-- Written by `unstick dissector --format '{format}'`. Load it with\n-- `wireshark -X lua_script:THIS.lua` (or put it in the personal plugins folder);\n-- frames split across TCP segments are reassembled."
    );
    let _ = writeln!(
        lua,
        "\nlocal proto = Proto(\"{name}\", \"{name} frames ({format})\")"
    );
    let _ = writeln!(
        lua,
        r#"local f_head = ProtoField.bytes("{name}.head", "Head")
local f_length = ProtoField.uint64("{name}.length", "Payload length", base.DEC)
local f_payload = ProtoField.bytes("{name}.payload", "Payload")"#
    );
    let mut list = vec!["f_head", "f_length", "f_payload"]
        .into_iter()
        .map(String::from)
        .collect::<Vec<_>>();
    for (i, f) in named.iter().enumerate() {
        let _ = writeln!(lua, "local f_named{i} = {}", proto_field(name, f));
        list.push(format!("f_named{i}"));
    }
    let _ = writeln!(lua, "proto.fields = {{ {} }}", list.join(", "));
    let _ = writeln!(
        lua,
        r#"local e_malformed = ProtoExpert.new("{name}.malformed", "Malformed frame", expert.group.MALFORMED, expert.severity.ERROR)
proto.experts = {{ e_malformed }}

local HEAD_LEN = {head}
local ADJUSTMENT = {adjust}
local MAX_PAYLOAD = {max}
local LABEL = "{label}"
"#,
        label = name.to_uppercase(),
        head = format.head_len(),
        adjust = format.adjustment(),
        max = format.max_frame_len(),
    );
    lua.push_str(&read_length_lua(format.length()));
    lua.push_str(MALFORMED);
    let mut named_adds = String::new();
    for (i, f) in named.iter().enumerate() {
        let base = match f.place {
            Place::Head => "offset",
            Place::Payload => "offset + HEAD_LEN + field_len",
        };
        let add = if f.kind == Kind::UintLe {
            "add_le"
        } else {
            "add"
        };
        let guard = match f.place {
            Place::Head => String::new(),
            Place::Payload => format!("if payload_len >= {} then ", f.offset + f.len),
        };
        let end = if guard.is_empty() { "" } else { " end" };
        let _ = writeln!(
            named_adds,
            "        {guard}item:{add}(f_named{i}, tvb({base} + {}, {})){end}",
            f.offset, f.len
        );
    }
    let _ = write!(
        lua,
        r#"
function proto.dissector(tvb, pinfo, tree)
    local total = tvb:len()
    local offset = 0
    local frames = 0
    while offset < total do
        local avail = total - offset
        if avail <= HEAD_LEN then
            pinfo.desegment_offset = offset
            pinfo.desegment_len = DESEGMENT_ONE_MORE_SEGMENT
            return total
        end
        local field_len, value = read_length(tvb, offset + HEAD_LEN, avail - HEAD_LEN)
        if field_len == nil then
            pinfo.desegment_offset = offset
            pinfo.desegment_len = DESEGMENT_ONE_MORE_SEGMENT
            return total
        end
        if field_len == false then
            return malformed(tvb, pinfo, tree, offset, value)
        end
        local payload_len = value + ADJUSTMENT
        if payload_len < 0 or payload_len > MAX_PAYLOAD then
            return malformed(tvb, pinfo, tree, offset, "payload length " .. payload_len .. " outside 0.." .. MAX_PAYLOAD)
        end
        local frame_len = HEAD_LEN + field_len + payload_len
        if avail < frame_len then
            pinfo.desegment_offset = offset
            pinfo.desegment_len = frame_len - avail
            return total
        end
        local item = tree:add(proto, tvb(offset, frame_len), "{name} frame, " .. payload_len .. " bytes")
        if HEAD_LEN > 0 then item:add(f_head, tvb(offset, HEAD_LEN)) end
{named_adds}        item:add(f_length, tvb(offset + HEAD_LEN, field_len), UInt64.new(payload_len))
        if payload_len > 0 then item:add(f_payload, tvb(offset + HEAD_LEN + field_len, payload_len)) end
        offset = offset + frame_len
        frames = frames + 1
    end
    pinfo.cols.protocol = "{label}"
    pinfo.cols.info = frames .. " frame(s)"
    return total
end
"#,
        label = name.to_uppercase(),
    );
    register(&mut lua, &args.ports);
    lua
}

/// The Lua that marks the rest of a segment malformed (both dissectors use it; it needs
/// `proto`, `e_malformed` and `LABEL` declared before it).
const MALFORMED: &str = "
-- The rest of the segment from `offset` as this protocol's item, marked malformed.
local function malformed(tvb, pinfo, tree, offset, why)
    pinfo.cols.protocol = LABEL
    pinfo.cols.info = \"malformed: \" .. why
    local item = tree:add(proto, tvb(offset))
    item:add_proto_expert_info(e_malformed, why)
    return tvb:len()
end
";

fn register(lua: &mut String, ports: &[u16]) {
    lua.push_str("\nlocal tcp_port = DissectorTable.get(\"tcp.port\")\n");
    for port in ports {
        let _ = writeln!(lua, "tcp_port:add({port}, proto)");
    }
    lua.push_str("tcp_port:add_for_decode_as(proto)\n");
}

fn json_header(args: &Args) -> String {
    let format = args.format;
    let name = &args.name;
    let size_field = &args.size_field;
    // Letters, digits and `_` only (checked): safe in a Lua pattern, string and field name.
    let size_pattern = size_field;
    let mut lua = String::new();
    let _ = writeln!(
        lua,
        r#"-- Wireshark dissector for the tutorials' JSON-header frames: a {field} length, a UTF-8
-- JSON header of that many bytes whose "{size_field}" gives the body's size, then the body.
-- Written by `unstick dissector --json-header --format '{format}'`; frames and bodies split
-- across TCP segments are reassembled.

local proto = Proto("{name}", "{name} JSON-header frames")
local f_header_len = ProtoField.uint64("{name}.header_length", "Header length", base.DEC)
local f_header = ProtoField.string("{name}.header", "Header")
local f_size = ProtoField.uint64("{name}.{size_field}", "{size_field}", base.DEC)
local f_body = ProtoField.bytes("{name}.body", "Body")
local f_body_len = ProtoField.uint64("{name}.body_length", "Body length", base.DEC)
proto.fields = {{ f_header_len, f_header, f_size, f_body, f_body_len }}
local e_malformed = ProtoExpert.new("{name}.malformed", "Malformed frame", expert.group.MALFORMED, expert.severity.ERROR)
proto.experts = {{ e_malformed }}
local json = Dissector.get("json")

local MAX_HEADER = {max}
local LABEL = "{label}"

"#,
        label = name.to_uppercase(),
        field = format.length(),
        max = format.max_frame_len(),
    );
    lua.push_str(&read_length_lua(format.length()));
    lua.push_str(MALFORMED);
    let _ = write!(
        lua,
        r#"
function proto.dissector(tvb, pinfo, tree)
    local total = tvb:len()
    local offset = 0
    local frames = 0
    while offset < total do
        local avail = total - offset
        local field_len, header_len = read_length(tvb, offset, avail)
        if field_len == nil then
            pinfo.desegment_offset = offset
            pinfo.desegment_len = DESEGMENT_ONE_MORE_SEGMENT
            return total
        end
        if field_len == false or header_len > MAX_HEADER then
            return malformed(tvb, pinfo, tree, offset, "header length outside 0.." .. MAX_HEADER)
        end
        if avail < field_len + header_len then
            pinfo.desegment_offset = offset
            pinfo.desegment_len = field_len + header_len - avail
            return total
        end
        local text = tvb(offset + field_len, header_len):string()
        local size = text:match('"{size_pattern}"%s*:%s*(%d+)')
        if size == nil then
            return malformed(tvb, pinfo, tree, offset, "no {size_field} in the header")
        end
        size = tonumber(size)
        local frame_len = field_len + header_len + size
        if avail < frame_len then
            pinfo.desegment_offset = offset
            pinfo.desegment_len = frame_len - avail
            return total
        end
        local item = tree:add(proto, tvb(offset, frame_len), "{name} frame, body " .. size .. " bytes")
        item:add(f_header_len, tvb(offset, field_len), UInt64.new(header_len))
        local header = tvb(offset + field_len, header_len)
        item:add(f_header, header)
        item:add(f_size, header, UInt64.new(size))
        if json ~= nil and header_len > 0 then json:call(header:tvb(), pinfo, item) end
        item:add(f_body_len, UInt64.new(size))
        if size > 0 then item:add(f_body, tvb(offset + field_len + header_len, size)) end
        offset = offset + frame_len
        frames = frames + 1
    end
    pinfo.cols.protocol = "{label}"
    pinfo.cols.info = frames .. " frame(s)"
    return total
end
"#,
        label = name.to_uppercase(),
    );
    register(&mut lua, &args.ports);
    lua
}
