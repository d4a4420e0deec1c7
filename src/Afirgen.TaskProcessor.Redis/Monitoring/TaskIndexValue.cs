using Afirgen.TaskProcessor.Engine.Monitoring;
using System.Text;
using System.Text.Json;

namespace Afirgen.TaskProcessor.Redis.Monitoring;

/// <summary>
/// A task's entry in the Redis index as <see cref="RedisMonitoringStore"/>'s script writes it:
/// <c>&lt;unix time&gt;|&lt;STATE&gt;|</c>, the task's latest state, followed by the JSON objects of its updates in the
/// order they arrived (<c>{"name":"…","sent":"…"}{"started":"…"}…</c>). Appending is what keeps the write cheap;
/// reading merges: a later update's field wins. Entries of the previous format, one JSON object with the state
/// and timestamp inside, are still read.
/// </summary>
internal static class TaskIndexValue
{
    private static readonly JsonReaderOptions Options = new() { AllowMultipleValues = true, MaxDepth = 4 };

    /// <summary>The entry's fields with its state and timestamp; null when the value is not an index entry.</summary>
    public static Dictionary<string, string>? Read(ReadOnlySpan<byte> value)
    {
        var fields = new Dictionary<string, string>(StringComparer.Ordinal);
        if (value.IsEmpty)
        {
            return null;
        }
        if (value[0] == (byte)'{')
        {
            return ReadObjects(value, fields) ? fields : null;
        }
        var first = value.IndexOf((byte)'|');
        var second = first < 0 ? -1 : value[(first + 1)..].IndexOf((byte)'|');
        if (second < 0 || !ReadObjects(value[(first + 1 + second + 1)..], fields))
        {
            return null;
        }
        fields[TaskIndexFields.Timestamp] = Encoding.UTF8.GetString(value[..first]);
        fields[TaskIndexFields.State] = Encoding.UTF8.GetString(value.Slice(first + 1, second));
        return fields;
    }

    // Objects of string fields, one after another; a later object's field overwrites an earlier one's.
    private static bool ReadObjects(ReadOnlySpan<byte> json, Dictionary<string, string> fields)
    {
        try
        {
            var reader = new Utf8JsonReader(json, Options);
            while (reader.Read())
            {
                if (reader.TokenType != JsonTokenType.PropertyName)
                {
                    continue;
                }
                var name = reader.GetString()!;
                reader.Read();
                if (reader.TokenType == JsonTokenType.String)
                {
                    fields[name] = reader.GetString()!;
                }
                else
                {
                    reader.Skip();
                }
            }
            return true;
        }
        catch (JsonException)
        {
            return false;
        }
    }
}
