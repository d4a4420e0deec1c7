// A user-assigned managed identity: every function app runs as it and reaches Service Bus, Storage,
// Redis and Application Insights with it (no keys anywhere).

@description('Name of the identity.')
param name string

@description('Azure region of the identity.')
param location string

@description('Tags applied to the identity.')
param tags { *: string } = {}

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2024-11-30' = {
  name: name
  location: location
  tags: tags
}

@description('Name of the identity.')
output name string = identity.name

@description('Resource id of the identity.')
output resourceId string = identity.id

@description('Client (application) id: what AZURE_CLIENT_ID and the *__clientId settings carry.')
output clientId string = identity.properties.clientId

@description('Object (principal) id: what role assignments and Redis access policies grant to.')
output principalId string = identity.properties.principalId
