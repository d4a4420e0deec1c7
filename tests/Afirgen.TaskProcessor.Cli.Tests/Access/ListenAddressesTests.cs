using Afirgen.TaskProcessor.Cli.LocalHost.Access;

namespace Afirgen.TaskProcessor.Cli.Tests.Access;

/// <summary>Which <c>--urls</c> listen beyond this machine (and so need an API key).</summary>
public sealed class ListenAddressesTests
{
    [Theory]
    [InlineData("http://127.0.0.1:7071", "")]
    [InlineData("http://localhost:7071", "")]
    [InlineData("http://[::1]:7071", "")]
    [InlineData("http://127.0.0.2:7071;https://localhost:7443/", "")]
    [InlineData("http://0.0.0.0:7071", "0.0.0.0")]
    [InlineData("http://[::]:7071", "[::]")]
    [InlineData("http://*:7071", "*")]
    [InlineData("http://+:7071", "+")]
    [InlineData("http://192.168.1.5:7071", "192.168.1.5")]
    [InlineData("http://127.0.0.1:7071; http://tasks.internal", "tasks.internal")]
    public void NonLoopback_NamesTheHostsBeyondThisMachine(string urls, string expected)
    {
        Assert.Equal(expected, string.Join(",", ListenAddresses.NonLoopback(urls)));
    }
}
