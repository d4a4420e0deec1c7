using System.Text.Encodings.Web;
using System.Text.Json;

namespace Afirgen.TaskProcessor.Api;

/// <summary>
/// How the API writes JSON: quotes, apostrophes, '+' and non-ASCII text (FIR text is Hindi too) as themselves, not as
/// <c>\u0027</c> escapes, since people read problem details and results (the CLI prints them as they come). Still valid
/// JSON. Relaxed escaping is safe here because every answer is <c>application/json</c> (or a problem document), never
/// HTML; the dashboard puts what it reads into the page as text (<c>textContent</c>), never as markup. Typed answers
/// (<c>Results.Ok</c>, <c>Results.Problem</c>) get this from ASP.NET Core's own JSON options, which default to it; these
/// options are for the JSON the API writes itself (Flower's answers, and the repr strings inside them).
/// </summary>
public static class ApiJson
{
    public static JavaScriptEncoder Encoder => JavaScriptEncoder.UnsafeRelaxedJsonEscaping;

    /// <summary>For <see cref="System.Text.Json.Nodes.JsonNode.ToJsonString"/> of what the API answers.</summary>
    public static JsonSerializerOptions Options { get; } = new() { Encoder = Encoder };
}
