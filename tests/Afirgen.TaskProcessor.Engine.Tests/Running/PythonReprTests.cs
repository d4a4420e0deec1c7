using System.Text.Json.Nodes;
using Afirgen.TaskProcessor.Engine.Running;

namespace Afirgen.TaskProcessor.Engine.Tests.Running;

/// <summary>Python's repr of JSON values and stored exceptions, where Celery's wire carries a repr.</summary>
public sealed class PythonReprTests
{
    [Theory]
    [InlineData("""{"status": "success", "n": 3, "ok": true, "none": null}""", "{'status': 'success', 'n': 3, 'ok': True, 'none': None}")]
    [InlineData("""[1, 2.5, "it's", "say \"hi\"", "both ' and \""]""", """[1, 2.5, "it's", 'say "hi"', 'both \' and "']""")]
    [InlineData("1.0", "1.0")]
    [InlineData("100", "100")]
    [InlineData("1e20", "1e+20")]
    [InlineData("0.0001", "0.0001")]
    [InlineData("0.00001", "1e-05")]
    [InlineData("1234567890123456.0", "1234567890123456.0")]
    [InlineData("12345678901234567.0", "1.2345678901234568e+16")]
    [InlineData("-2.5", "-2.5")]
    [InlineData("\"line\\nbreak\\u0001\"", "'line\\nbreak\\x01'")]
    public void Of_WritesPythonsRepr(string json, string expected) => Assert.Equal(expected, PythonRepr.Of(JsonNode.Parse(json)));

    [Fact]
    public void OfException_WritesTheExceptionCeleryRebuilds()
    {
        Assert.Equal("ValueError(\"boom 'x'\")", PythonRepr.OfException(CeleryExceptionInfo.Create("ValueError", "builtins", "boom 'x'")));
        Assert.Equal("KeyError('no_such')", PythonRepr.OfException("KeyError", [JsonValue.Create("no_such")]));
        Assert.Equal("TaskRevokedError('revoked')", PythonRepr.OfException(JsonNode.Parse("""{"exc_type": "TaskRevokedError", "exc_message": ["revoked"], "exc_module": "celery.exceptions"}""")));
    }
}
