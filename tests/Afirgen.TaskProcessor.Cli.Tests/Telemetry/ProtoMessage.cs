using Google.Protobuf;

namespace Afirgen.TaskProcessor.Cli.Tests.Telemetry;

/// <summary>
/// A protobuf message read field by field with Google.Protobuf's <see cref="CodedInputStream"/>, without its
/// generated types: no package with the OTLP proto types is served here, so the tests name the few OTLP field
/// numbers they read (<see cref="OtlpDecoder"/>).
/// </summary>
internal sealed class ProtoMessage
{
    private readonly List<(int Field, object Value)> _fields = [];

    public static ProtoMessage Parse(ReadOnlySpan<byte> bytes) => Parse(bytes.ToArray());

    private static ProtoMessage Parse(byte[] bytes)
    {
        var message = new ProtoMessage();
        var input = new CodedInputStream(bytes);
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            var field = WireFormat.GetTagFieldNumber(tag);
            switch (WireFormat.GetTagWireType(tag))
            {
                case WireFormat.WireType.Varint:
                    message._fields.Add((field, input.ReadUInt64()));
                    break;
                case WireFormat.WireType.Fixed64:
                    message._fields.Add((field, input.ReadFixed64()));
                    break;
                case WireFormat.WireType.Fixed32:
                    message._fields.Add((field, input.ReadFixed32()));
                    break;
                case WireFormat.WireType.LengthDelimited:
                    message._fields.Add((field, input.ReadBytes()));
                    break;
                default:
                    input.SkipLastField();
                    break;
            }
        }
        return message;
    }

    /// <summary>The embedded messages in field <paramref name="field"/> (repeated or not).</summary>
    public IEnumerable<ProtoMessage> Messages(int field) =>
        _fields.Where(f => f.Field == field && f.Value is ByteString).Select(f => Parse(((ByteString)f.Value).ToByteArray()));

    public ProtoMessage? Message(int field) => Messages(field).FirstOrDefault();

    public string? String(int field) => Bytes(field)?.ToStringUtf8();

    /// <summary>Bytes as lower-case hex, as trace and span ids are written.</summary>
    public string Hex(int field) => Convert.ToHexStringLower(Bytes(field)?.ToByteArray() ?? []);

    public ByteString? Bytes(int field) => _fields.Where(f => f.Field == field).Select(f => f.Value).OfType<ByteString>().FirstOrDefault();

    public ulong? Varint(int field) => _fields.Where(f => f.Field == field && f.Value is ulong).Select(f => (ulong?)f.Value).FirstOrDefault();

    public bool Has(int field) => _fields.Any(f => f.Field == field);
}
