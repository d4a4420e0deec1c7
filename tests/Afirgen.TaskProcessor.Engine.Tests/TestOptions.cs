using Afirgen.TaskProcessor.Engine.Messages;
using Microsoft.Extensions.Options;

namespace Afirgen.TaskProcessor.Engine.Tests;

internal static class TestOptions
{
    public static CeleryMessageParser Parser(int maxBytes = 256 * 1024) =>
        new(Options.Create(new MessageOptions { MaxMessageBytes = maxBytes }));
}
