// Role assignments on the Key Vault for a list of principals. Each name is guid(scope, principal, role),
// so running the deployment again changes nothing.

@description('Name of the Key Vault (in this resource group).')
param keyVaultName string

@description('Role definition ids (GUIDs) to assign to every principal.')
param roleDefinitionIds string[]

@description('Principals to assign the roles to.')
param principals principal[]

@description('A principal and its type (ServicePrincipal for managed identities, User for the deploying user).')
type principal = {
  @description('Object id of the principal.')
  principalId: string

  @description('Kind of principal.')
  principalType: 'ServicePrincipal' | 'User' | 'Group'
}

var assignments = flatten(map(principals, p => map(roleDefinitionIds, roleId => {
  principalId: p.principalId
  principalType: p.principalType
  roleDefinitionId: roleId
})))

resource target 'Microsoft.KeyVault/vaults@2026-05-15' existing = {
  name: keyVaultName
}

resource roleAssignments 'Microsoft.Authorization/roleAssignments@2022-04-01' = [
  for a in assignments: {
    name: guid(target.id, a.principalId, a.roleDefinitionId)
    scope: target
    properties: {
      roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', a.roleDefinitionId)
      principalId: a.principalId
      principalType: a.principalType
    }
  }
]

@description('Number of role assignments made.')
output count int = length(assignments)
