// A Flex Consumption (FC1) plan. Flex Consumption hosts one function app per plan.

@description('Name of the plan.')
param name string

@description('Azure region of the plan.')
param location string

@description('Tags applied to the plan.')
param tags { *: string } = {}

resource plan 'Microsoft.Web/serverfarms@2025-03-01' = {
  name: name
  location: location
  tags: tags
  kind: 'functionapp'
  sku: {
    name: 'FC1'
    tier: 'FlexConsumption'
  }
  properties: {
    reserved: true
  }
}

@description('Name of the plan.')
output name string = plan.name

@description('Resource id of the plan.')
output resourceId string = plan.id
