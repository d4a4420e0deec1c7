using System.Text.Json;
using System.Text.Json.Nodes;
using Afirgen.TaskProcessor.AfirgenTasks.Records;

namespace Afirgen.TaskProcessor.AfirgenTasks.Email;

/// <summary>
/// The complainant's e-mail address as AFIRGen's FIR data may hold it: <c>fir_content</c> as JSON with
/// <c>complainant_email</c>, <c>email</c>, or <c>complainant.email</c>. For send_confirmation(fir_id), which
/// is given no recipient.
/// </summary>
public static class ComplainantEmail
{
    public static string? Find(FirRecord fir)
    {
        if (string.IsNullOrWhiteSpace(fir.FirContent) || !fir.FirContent.TrimStart().StartsWith('{'))
        {
            return null;
        }
        try
        {
            var content = JsonNode.Parse(fir.FirContent) as JsonObject;
            return Text(content?["complainant_email"]) ?? Text(content?["email"]) ?? Text((content?["complainant"] as JsonObject)?["email"]);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static string? Text(JsonNode? node) =>
        node is JsonValue v && v.TryGetValue<string>(out var s) && !string.IsNullOrWhiteSpace(s) ? s : null;
}
