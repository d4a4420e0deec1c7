using System.Text;
using System.Text.Json.Nodes;
using Afirgen.TaskProcessor.Engine.Broker;
using Afirgen.TaskProcessor.Engine.Messages;
using Afirgen.TaskProcessor.Testing;

namespace Afirgen.TaskProcessor.Engine.Tests.Messages;

/// <summary>Bad input becomes a specific rejection that says what was wrong; nothing throws.</summary>
public sealed class MalformedMessageTests
{
    private static ParseOutcome.Rejected Reject(string body, int maxBytes = 256 * 1024) => Reject(Encoding.UTF8.GetBytes(body), maxBytes);

    private static ParseOutcome.Rejected Reject(byte[] body, int maxBytes = 256 * 1024) =>
        Assert.IsType<ParseOutcome.Rejected>(TestOptions.Parser(maxBytes).Parse(body));

    private static JsonObject Sample() => JsonNode.Parse(WireSamples.Read("01-email-basic.json"))!.AsObject();

    private static string WithBody(string decodedBody)
    {
        var s = Sample();
        s["body"] = Convert.ToBase64String(Encoding.UTF8.GetBytes(decodedBody));
        return s.ToJsonString();
    }

    [Fact]
    public void Parse_Rejects_NotJson()
    {
        var r = Reject("this is not json");
        Assert.Equal(DeadLetterReasons.MalformedMessage, r.Reason);
        Assert.StartsWith("The message body is not valid JSON", r.Description);
    }

    [Fact]
    public void Parse_Rejects_JsonThatIsNotAnObject()
    {
        var r = Reject("[1,2,3]");
        Assert.Contains("not an object", r.Description);
    }

    [Fact]
    public void Parse_Rejects_BadBase64_AndKeepsTheTaskId()
    {
        var s = Sample();
        s["body"] = "%%% not base64 %%%";
        var r = Reject(s.ToJsonString());
        Assert.Equal(DeadLetterReasons.MalformedMessage, r.Reason);
        Assert.Contains("not valid base64", r.Description);
        Assert.Equal("2021bb9b-6d64-4e4d-8388-ceadefbaef25", r.TaskId);
    }

    [Fact]
    public void Parse_Rejects_MissingTaskName()
    {
        var s = Sample();
        s["headers"]!.AsObject().Remove("task");
        var r = Reject(s.ToJsonString());
        Assert.Contains("no task name", r.Description);
        Assert.Equal("2021bb9b-6d64-4e4d-8388-ceadefbaef25", r.TaskId);
    }

    [Fact]
    public void Parse_Rejects_MissingId()
    {
        var s = Sample();
        s["headers"]!.AsObject().Remove("id");
        var r = Reject(s.ToJsonString());
        Assert.Contains("no task id", r.Description);
        Assert.Null(r.TaskId);
        Assert.Equal("afirgen_tasks.email.send_fir_confirmation", r.TaskName);
    }

    [Fact]
    public void Parse_Rejects_TaskNameOfWrongType()
    {
        var s = Sample();
        s["headers"]!["task"] = 42;
        var r = Reject(s.ToJsonString());
        Assert.Contains("headers.task must be a string; found a number", r.Description);
    }

    [Fact]
    public void Parse_Rejects_ArgsThatAreNotAList()
    {
        var r = Reject(WithBody("""[{"a":1}, {}, null]"""));
        Assert.Contains("args (first element) must be a JSON array; found an object", r.Description);
    }

    [Fact]
    public void Parse_Rejects_KwargsThatAreNotAnObject()
    {
        var r = Reject(WithBody("""[[], [1], null]"""));
        Assert.Contains("kwargs (second element) must be a JSON object; found a list of 1", r.Description);
    }

    [Fact]
    public void Parse_Rejects_BodyThatIsNotTheProtocolTriple()
    {
        var r = Reject(WithBody("""{"args": []}"""));
        Assert.Contains("[args, kwargs, embed]", r.Description);
    }

    [Fact]
    public void Parse_Rejects_RetriesOfWrongType()
    {
        var s = Sample();
        s["headers"]!["retries"] = "three";
        var r = Reject(s.ToJsonString());
        Assert.Contains("headers.retries", r.Description);
    }

    [Fact]
    public void Parse_Rejects_UnparseableEta()
    {
        var s = Sample();
        s["headers"]!["eta"] = "next tuesday";
        var r = Reject(s.ToJsonString());
        Assert.Contains("headers.eta is 'next tuesday'", r.Description);
    }

    [Fact]
    public void Parse_Rejects_BodyOverTheSizeLimit()
    {
        var body = Encoding.UTF8.GetBytes(WithBody($$"""[["{{new string('x', 5000)}}"], {}, null]"""));
        var r = Reject(body, maxBytes: 4096);
        Assert.Equal(DeadLetterReasons.MessageTooLarge, r.Reason);
        Assert.Contains($"{body.Length} bytes; the limit is 4096 bytes", r.Description);
    }

    [Fact]
    public void Parse_RefusesPickle_WithoutDeserializingIt()
    {
        var s = Sample();
        s["content-type"] = "application/x-python-serialize";
        s["body"] = Convert.ToBase64String([0x80, 0x04, 0x95]); // a pickle header: must never be read
        var r = Reject(s.ToJsonString());
        Assert.Contains("'application/x-python-serialize'", r.Description);
        Assert.Contains("never deserialized", r.Description);
    }

    [Fact]
    public void Parse_Rejects_DeeplyNestedJson()
    {
        var deep = new string('[', 200) + new string(']', 200);
        var r = Reject(WithBody($"[{deep}, {{}}, null]"));
        Assert.Equal(DeadLetterReasons.MalformedMessage, r.Reason);
        Assert.Contains("not valid JSON", r.Description);
    }

    [Fact]
    public void Parse_Rejects_NegativePriority()
    {
        var s = Sample();
        s["properties"]!["priority"] = -1;
        var r = Reject(s.ToJsonString());
        Assert.Contains("properties.priority is -1", r.Description);
    }

    [Fact]
    public void Parse_ServesPriorityAboveTen_AsTheHighest()
    {
        var s = Sample();
        s["properties"]!["priority"] = 200;
        var parsed = Assert.IsType<ParseOutcome.Parsed>(TestOptions.Parser().Parse(Encoding.UTF8.GetBytes(s.ToJsonString())));
        Assert.Equal(10, parsed.Message.Priority);
    }

    [Fact]
    public void Parse_KeepsUnknownHeaders_SoRewritesCarryThemOn()
    {
        var s = Sample();
        s["headers"]!["traceparent"] = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
        var parsed = Assert.IsType<ParseOutcome.Parsed>(TestOptions.Parser().Parse(Encoding.UTF8.GetBytes(s.ToJsonString())));
        Assert.Equal("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01", parsed.Message.ExtraHeaders["traceparent"]!.GetValue<string>());
        var rewritten = CeleryMessageWriter.Write(parsed.Message with { Retries = 1 }, "email", 3);
        Assert.Contains("traceparent", Encoding.UTF8.GetString(rewritten));
    }

    [Fact]
    public void Parse_KeepsOnlyUnknownHeaders_AsExtras()
    {
        var s = Sample();
        s["headers"]!["traceparent"] = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
        var parsed = Assert.IsType<ParseOutcome.Parsed>(TestOptions.Parser().Parse(Encoding.UTF8.GetBytes(s.ToJsonString())));
        Assert.Equal(["traceparent"], parsed.Message.ExtraHeaders.Select(h => h.Key));
    }

    [Fact]
    public void Parse_ReadsHeaderNamesWrittenWithEscapes()
    {
        // "\u0074ask" is "task" and "\u0072etries" is "retries" to any JSON reader; a producer may write names that way.
        var s = Sample();
        s["headers"]!["retries"] = 4;
        var text = s.ToJsonString().Replace("\"task\":", "\"\\u0074ask\":").Replace("\"retries\":", "\"\\u0072etries\":");
        Assert.Contains("\\u0074ask", text);
        Assert.Contains("\\u0072etries", text);

        var parsed = Assert.IsType<ParseOutcome.Parsed>(TestOptions.Parser().Parse(Encoding.UTF8.GetBytes(text)));
        Assert.Equal(s["headers"]!["task"]!.GetValue<string>(), parsed.Message.TaskName);
        Assert.Equal(4, parsed.Message.Retries);
        Assert.Empty(parsed.Message.ExtraHeaders);
    }

    [Fact]
    public void Parse_TakesTheLastOfAHeaderGivenTwice()
    {
        // JSON allows a repeated name; like System.Text.Json's own lookups (and Python's json), the last one counts.
        var s = Sample();
        s["headers"]!["retries"] = 1;
        var text = s.ToJsonString().Replace("\"retries\":1", "\"retries\":1,\"retries\":7");
        Assert.Contains("\"retries\":7", text);

        var parsed = Assert.IsType<ParseOutcome.Parsed>(TestOptions.Parser().Parse(Encoding.UTF8.GetBytes(text)));
        Assert.Equal(7, parsed.Message.Retries);
    }

    [Fact]
    public void Parse_ReadsABase64Body_WhoseSlashesTheProducerEscaped()
    {
        // Some JSON writers escape '/' as '\/'; the body is still valid base64 once unescaped.
        var body = Encoding.UTF8.GetBytes("""[["???>>>"], {"k": "~~~"}, null]""");
        var base64 = Convert.ToBase64String(body);
        Assert.Contains('/', base64);
        var s = Sample();
        s["body"] = "PLACEHOLDER";
        var text = s.ToJsonString().Replace("PLACEHOLDER", base64.Replace("/", "\\/"));
        Assert.Contains("\\/", text);

        var parsed = Assert.IsType<ParseOutcome.Parsed>(TestOptions.Parser().Parse(Encoding.UTF8.GetBytes(text)));
        Assert.Equal("???>>>", parsed.Message.Args[0]!.GetValue<string>());
        Assert.Equal("~~~", parsed.Message.Kwargs["k"]!.GetValue<string>());
    }

    /// <summary>A wrong-typed or unusable value in every field the parser reads: each is refused with a sentence naming the field.</summary>
    [Theory]
    [InlineData("properties", "priority", "\"high\"", "properties.priority must be a whole number; found a string")]
    [InlineData("properties", "priority", "1.5", "properties.priority must be a whole number; found a number")]
    [InlineData("properties", "priority", "[1]", "properties.priority must be a whole number; found a list of 1")]
    [InlineData("properties", "priority", "1e10", "properties.priority is 10000000000")]
    [InlineData("properties", "body_encoding", "5", "properties.body_encoding must be a string or null; found a number")]
    [InlineData("properties", "reply_to", "{}", "properties.reply_to must be a string or null; found an object")]
    [InlineData("headers", "eta", "5", "headers.eta must be a string or null; found a number")]
    [InlineData("headers", "expires", "\"tomorrow\"", "headers.expires is 'tomorrow'")]
    [InlineData("headers", "retries", "-1", "headers.retries must be a non-negative whole number")]
    [InlineData("headers", "retries", "1.5", "headers.retries must be a non-negative whole number")]
    [InlineData("headers", "timelimit", "\"x\"", "headers.timelimit must be the list [hard, soft]")]
    [InlineData("headers", "timelimit", "[\"a\", null]", "headers.timelimit's hard limit must be a positive number")]
    [InlineData("headers", "root_id", "{}", "headers.root_id must be a string or null; found an object")]
    [InlineData("headers", "parent_id", "[]", "headers.parent_id must be a string or null; found a list of 0")]
    [InlineData("headers", "parent_id", "\"a\\u0000b\"", "headers.parent_id contains the control character U+0000")]
    [InlineData("headers", "group", "5", "headers.group must be a string or null; found a number")]
    [InlineData("headers", "group_index", "\"first\"", "headers.group_index must be a non-negative whole number")]
    [InlineData("headers", "origin", "{}", "headers.origin must be a string or null; found an object")]
    [InlineData("headers", "task", "\"x\\ny\"", "headers.task contains the control character U+000A")]
    public void Parse_Rejects_AWrongTypedField_NamingIt(string section, string field, string json, string expected)
    {
        var s = Sample();
        s[section]![field] = JsonNode.Parse(json);
        var r = Reject(s.ToJsonString());
        Assert.Equal(DeadLetterReasons.MalformedMessage, r.Reason);
        Assert.Contains(expected, r.Description);
    }

    [Fact]
    public void Parse_Rejects_AnIdWithControlOrPathCharacters_WithoutKeepingIt()
    {
        // No FAILURE can be stored under such an id (the runner stores one only when the rejection carries an id).
        var s = Sample();
        s["headers"]!["id"] = "../../x\u0000";
        var r = Reject(s.ToJsonString());
        Assert.Contains("headers.id contains the control character U+0000", r.Description);
        Assert.Null(r.TaskId);
        Assert.Equal("afirgen_tasks.email.send_fir_confirmation", r.TaskName);

        s["headers"]!["id"] = new string('x', CeleryMessageParser.MaxIdLength + 1);
        Assert.Contains($"at most {CeleryMessageParser.MaxIdLength} are accepted", Reject(s.ToJsonString()).Description);
    }

    [Fact]
    public void Parse_Rejects_PropertiesOrHeadersOfTheWrongKind()
    {
        var s = Sample();
        s["properties"] = "x";
        Assert.Contains("'properties' is not an object", Reject(s.ToJsonString()).Description);
        s = Sample();
        s["headers"] = new JsonArray();
        Assert.Contains("no 'headers' object", Reject(s.ToJsonString()).Description);
        s = Sample();
        s["content-type"] = 5;
        Assert.Contains("content-type must be a string or null; found a number", Reject(s.ToJsonString()).Description);
    }
}
