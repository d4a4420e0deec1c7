using System.Text.RegularExpressions;
using Afirgen.TaskProcessor.Engine.Running;

namespace Afirgen.TaskProcessor.Engine.Tests.Running;

/// <summary>A failure's traceback reads as Python writes one, with the .NET frames as its frames.</summary>
public sealed partial class PythonTracebackTests
{
    [Fact]
    public void Format_WritesPythonsShape_OutermostFrameFirst_AndTheStoredExceptionLast()
    {
        var exception = Catch(() => Outer());
        var text = PythonTraceback.Format(exception, CeleryExceptionInfo.From(exception));
        var lines = text.TrimEnd('\n').Split('\n');

        Assert.Equal("Traceback (most recent call last):", lines[0]);
        var frames = lines.Skip(1).Take(lines.Length - 2).ToArray();
        Assert.NotEmpty(frames);
        Assert.All(frames, f => Assert.Matches(FrameLine(), f));
        // Most recent call last: Outer called Inner, which threw.
        var outer = Array.FindIndex(frames, f => f.Contains(".Outer()", StringComparison.Ordinal));
        var inner = Array.FindIndex(frames, f => f.Contains(".Inner(", StringComparison.Ordinal));
        Assert.True(outer >= 0 && inner > outer, text);
        Assert.Contains("PythonTracebackTests.cs\", line ", frames[inner]);
        Assert.Equal("ValueError: bad 'fir' [System.ArgumentException]", lines[^1]);
    }

    [Fact]
    public void Format_PutsACauseFirst_AsPythonPrintsChainedExceptions()
    {
        var exception = Catch(() => Wrap());
        var text = PythonTraceback.Format(exception, CeleryExceptionInfo.From(exception));

        var separator = "\nThe above exception was the direct cause of the following exception:\n\n";
        var parts = text.Split(separator);
        Assert.Equal(2, parts.Length);
        Assert.StartsWith("Traceback (most recent call last):\n", parts[0]);
        Assert.EndsWith("TimeoutError: the SMTP server did not answer [System.TimeoutException]\n", parts[0]);
        Assert.StartsWith("Traceback (most recent call last):\n", parts[1]);
        Assert.EndsWith("RuntimeError: sending failed [System.InvalidOperationException]\n", parts[1]);
    }

    [Fact]
    public void Format_NamesANonBuiltinExceptionWithItsModule_AsPythonDoes()
    {
        var exception = Catch(() => Inner(0));
        var text = PythonTraceback.Format(exception, CeleryExceptionInfo.Create("SoftTimeLimitExceeded", "billiard.exceptions", "The task was cancelled at its soft time limit."));
        Assert.EndsWith("\nbilliard.exceptions.SoftTimeLimitExceeded: The task was cancelled at its soft time limit. [System.ArgumentException]\n", text);
    }

    private static void Outer() => Inner(1);

    private static void Inner(int depth) => throw new ArgumentException(depth >= 0 ? "bad 'fir'" : "");

    private static void Wrap()
    {
        try
        {
            throw new TimeoutException("the SMTP server did not answer");
        }
        catch (TimeoutException ex)
        {
            throw new InvalidOperationException("sending failed", ex);
        }
    }

    private static Exception Catch(Action action)
    {
        try
        {
            action();
        }
        catch (Exception ex)
        {
            return ex;
        }
        throw new InvalidOperationException("nothing was thrown");
    }

    // Python's frame line: two spaces, File "<file>", line <n>, in <name>.
    [GeneratedRegex("""^  File "[^"]+", line \d+, in \S.*$""")]
    private static partial Regex FrameLine();
}
