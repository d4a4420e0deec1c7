namespace Afirgen.TaskProcessor.Cli.Tests.Telemetry;

/// <summary>
/// The parts of OTLP's <c>ExportTraceServiceRequest</c> and <c>ExportMetricsServiceRequest</c> the tests read, by
/// the field numbers of opentelemetry-proto's trace.proto, metrics.proto, common.proto and resource.proto.
/// </summary>
internal static class OtlpDecoder
{
    public static IEnumerable<OtlpSpan> Spans(byte[] exportTraceServiceRequest)
    {
        foreach (var resourceSpans in ProtoMessage.Parse(exportTraceServiceRequest).Messages(1))
        {
            var resource = Attributes(resourceSpans.Message(1), 1);
            foreach (var scopeSpans in resourceSpans.Messages(2))
            {
                var scope = scopeSpans.Message(1)?.String(1) ?? "";
                foreach (var span in scopeSpans.Messages(2))
                {
                    yield return new OtlpSpan(scope, span.Hex(1), span.Hex(2), span.Hex(4), span.String(5) ?? "", (int)(span.Varint(6) ?? 0),
                        Attributes(span, 9), resource);
                }
            }
        }
    }

    public static IEnumerable<OtlpMetric> Metrics(byte[] exportMetricsServiceRequest)
    {
        foreach (var resourceMetrics in ProtoMessage.Parse(exportMetricsServiceRequest).Messages(1))
        {
            var resource = Attributes(resourceMetrics.Message(1), 1);
            foreach (var scopeMetrics in resourceMetrics.Messages(2))
            {
                var scope = scopeMetrics.Message(1)?.String(1) ?? "";
                foreach (var metric in scopeMetrics.Messages(2))
                {
                    // gauge (5) and sum (7) hold NumberDataPoints (attributes 7); histogram (9) HistogramDataPoints (attributes 9).
                    var (kind, data, attributesField) = metric.Has(7) ? ("sum", metric.Message(7), 7)
                        : metric.Has(9) ? ("histogram", metric.Message(9), 9)
                        : metric.Has(5) ? ("gauge", metric.Message(5), 7)
                        : ("other", null, 0);
                    var points = data?.Messages(1).Select(p => Attributes(p, attributesField)).ToArray() ?? [];
                    yield return new OtlpMetric(scope, metric.String(1) ?? "", kind, points, resource);
                }
            }
        }
    }

    /// <summary>KeyValue attributes (key 1, AnyValue 2: string 1, bool 2, int 3, double 4) as text.</summary>
    private static Dictionary<string, string> Attributes(ProtoMessage? message, int field)
    {
        var attributes = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var keyValue in message?.Messages(field) ?? [])
        {
            var value = keyValue.Message(2);
            attributes[keyValue.String(1) ?? ""] = value switch
            {
                null => "",
                _ when value.Bytes(1) is not null => value.String(1)!,
                _ when value.Varint(2) is { } b => b != 0 ? "true" : "false",
                _ when value.Varint(3) is { } i => ((long)i).ToString(System.Globalization.CultureInfo.InvariantCulture),
                _ => "(other)",
            };
        }
        return attributes;
    }
}

/// <summary>A span as exported: ids in hex, kind as OTLP numbers it (4 producer, 5 consumer).</summary>
internal sealed record OtlpSpan(string Scope, string TraceId, string SpanId, string ParentSpanId, string Name, int Kind,
    IReadOnlyDictionary<string, string> Attributes, IReadOnlyDictionary<string, string> Resource);

/// <summary>A metric as exported, with the attributes of each data point.</summary>
internal sealed record OtlpMetric(string Scope, string Name, string Kind, IReadOnlyList<IReadOnlyDictionary<string, string>> Points,
    IReadOnlyDictionary<string, string> Resource);
