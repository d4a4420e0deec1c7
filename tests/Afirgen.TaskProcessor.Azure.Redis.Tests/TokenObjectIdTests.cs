namespace Afirgen.TaskProcessor.Azure.Redis.Tests;

/// <summary>The Redis user name comes from the token's oid claim.</summary>
public sealed class TokenObjectIdTests
{
    [Fact]
    public void Read_ReturnsTheOidClaim()
    {
        var token = FakeEntraIdCredential.Jwt(new { aud = "https://redis.azure.com", oid = "6a9b1c3e-0000-4000-8000-000000000001", tid = "t" });

        Assert.Equal("6a9b1c3e-0000-4000-8000-000000000001", TokenObjectId.Read(token));
    }

    [Fact]
    public void Read_SaysWhatIsMissing_WhenTheTokenHasNoOid()
    {
        var token = FakeEntraIdCredential.Jwt(new { aud = "https://redis.azure.com", sub = "someone" });

        var error = Assert.Throws<FormatException>(() => TokenObjectId.Read(token));

        Assert.Contains("no oid claim", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("not-a-jwt")]
    [InlineData("a.%%%.c")]
    [InlineData("eyJhbGciOiJub25lIn0.bm90IGpzb24.")]
    public void Read_Refuses_WhatIsNotAJwtWithClaims(string token)
    {
        Assert.Throws<FormatException>(() => TokenObjectId.Read(token));
    }
}
